"""What the public tables are called on the pages a reader sees, in Japanese and English."""

from __future__ import annotations

from schemas import vocabulary as v

# The tables every release publishes (`transforms.disclosure.joint.PUBLISHED_BUILDERS`) and the others the period
# report shows, in the order the pages list them.
TABLE_LABELS: dict[str, tuple[str, str]] = {
    "mart.flows": ("物質フロー", "Material flows"),
    "mart.stage_balance": ("段階別の収支", "Balance of each stage"),
    "mart.indicators": ("循環指標", "Indicators"),
    "mart.sankey_links": ("物質フロー（サンキー図）", "Material flows (Sankey diagram)"),
    "mart.regional_flows": ("地域間の移動", "Transfers between regions"),
    "mart.regional_balance": ("地域の処理収支", "Regional treatment balance"),
    "mart.material_circularity": ("素材別の循環（ISO 59020）", "Material circularity (ISO 59020)"),
    "mart.product_circularity": ("製品別の循環", "Product circularity"),
    "mart.recycled_content": ("製品の再生材含有（会員の申告）", "Recycled content of products (members' declarations)"),
    "mart.target_progress": ("目標の進捗", "Progress towards targets"),
    "mart.member_targets": ("目標の公開登録", "Public register of targets"),
    "mart.roadmap_progress": ("ロードマップ", "Roadmaps"),
    "mart.member_compliance": ("義務の達成状況", "Obligations met"),
}
ALL_TABLES = "all"


def table_label(table: str) -> tuple[str, str]:
    """A table's (Japanese, English) label; a table without one is called by its name.

    >>> table_label("mart.flows"), table_label("mart.new_table")
    (('物質フロー', 'Material flows'), ('mart.new_table', 'mart.new_table'))
    """
    if table == ALL_TABLES:
        return "全表", "all tables"
    return TABLE_LABELS.get(table, (table, table))


def table_position(table: str) -> tuple[int, str]:
    """Sort key: the labelled tables in their listed order, then the others by name."""
    order = list(TABLE_LABELS)
    return (order.index(table) if table in order else len(order), table)


def material_label(material: str) -> tuple[str, str]:
    """A material code's (Japanese, English) label: `all`, a group or a leaf; an unknown code stays itself.

    >>> material_label("plastics"), material_label("all")
    (('プラスチック', 'Plastics'), ('全素材', 'All materials'))
    """
    if material == v.ALL_MATERIALS:
        return "全素材", "All materials"
    term = (v.labels(v.MATERIAL_GROUPS) | v.labels(v.MATERIAL_LEAVES)).get(material)
    return (term.label_ja, term.label_en) if term is not None else (material, material)


def material_position(material: str) -> tuple[int, str]:
    """Sort key: all materials first, then the vocabulary's groups and leaves, then unknown codes."""
    codes = (v.ALL_MATERIALS, *v.MATERIAL_GROUP_CODES, *v.MATERIAL_LEAF_CODES)
    return (codes.index(material) if material in codes else len(codes), material)
