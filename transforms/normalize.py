"""Normalise raw text columns into a contract's typed schema: pure Polars expressions, no IO.

Rules are derived from each column's declaration (dtype, vocabulary, regex, default), so a new
column of a known kind needs no code here. A value that cannot be parsed becomes null (text
vocabulary and format columns keep the cleaned text instead), so the contract's checks fail it and
the member is shown the raw value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from schemas import periods
from schemas import vocabulary as v
from schemas.codes import clean_text as clean_text  # re-exported: members' consents are read with it
from schemas.codes import code_reader, strip_text
from schemas.contract import Column, Contract
from schemas.regions import region_code

SOURCE_ROW = "source_row"
# Lineage columns the caller may add to a batch of submissions; passed through after source_row.
PASSTHROUGH: tuple[str, ...] = ("submission_id", "submitter_id")
PERIOD = "period"
MATERIAL = "material"
MATERIAL_GROUP = "material_group"
GRAIN_YEAR, GRAIN_FISCAL_YEAR, GRAIN_MONTH = periods.GRAINS
FISCAL_YEAR_FIRST_MONTH = 4
STAGE_SUFFIX = "_stage"
TONNES_SUFFIX = "_t"
_PARSED_PREFIX = "__parsed_"

# Thousands separators are removed only in well-formed groups, so `1,5` (a decimal comma) stays unparseable.
_GROUPED_NUMBER = r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"
_DATE = r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(?::00(?:\.0*)?)?)?$"
_UNIT_CODES = frozenset(v.UNIT_CODES)


def parse_float(value: pl.Expr) -> pl.Expr:
    """A number from text: full-width digits, thousands separators and spaces allowed; else null.

    Examples:
        >>> import polars as pl
        >>> values = pl.Series(["１２３", " 1,234.5 ", "1,5", "abc", "inf"])
        >>> pl.select(parse_float(pl.lit(values))).to_series().to_list()
        [123.0, 1234.5, None, None, None]

    """
    text = clean_text(value).str.replace_all("\u2212", "-", literal=True)
    plain = (
        pl.when(text.str.contains(_GROUPED_NUMBER)).then(text.str.replace_all(",", "", literal=True)).otherwise(text)
    )
    number = plain.cast(pl.Float64, strict=False)
    return pl.when(number.is_finite()).then(number)


def parse_share(value: pl.Expr) -> pl.Expr:
    """A share from text: a fraction (`0.35`), or a percentage with its sign (`35%`, `３５％`); else null.

    Examples:
        >>> import polars as pl
        >>> values = pl.Series(["0.35", "35%", "３５ ％", "35", "約35%"])
        >>> pl.select(parse_share(pl.lit(values))).to_series().to_list()
        [0.35, 0.35, 0.35, 35.0, None]

    """
    text = clean_text(value)
    number = parse_float(text.str.strip_suffix("%"))
    # Rounded so that 35% is 0.35, not 0.35000000000000003: twelve places keep any share a member can mean.
    return pl.when(text.str.ends_with("%")).then((number / 100).round(12)).otherwise(number)


def parse_integer(value: pl.Expr, *, dtype: pl.DataType) -> pl.Expr:
    """An integer from text (`２０２４`, `2024.0`); fractions and out-of-range values become null.

    Examples:
        >>> import polars as pl
        >>> values = pl.Series(["２０２４", "2024.0", "2024.5", "x"])
        >>> pl.select(parse_integer(pl.lit(values), dtype=pl.Int32())).to_series().to_list()
        [2024, 2024, None, None]

    """
    number = parse_float(value)
    return pl.when(number == number.floor()).then(number).cast(dtype, strict=False)


# Spellings of yes and no, matched after NFKC and lower-casing; anything else is unknown (null).
BOOLEAN_SPELLINGS: dict[str, bool] = {
    "true": True,
    "yes": True,
    "y": True,
    "1": True,
    "はい": True,
    "○": True,
    "false": False,
    "no": False,
    "n": False,
    "0": False,
    "いいえ": False,
    "×": False,
}


def parse_boolean(value: pl.Expr) -> pl.Expr:
    """True or false from text (`true`, `yes`, `1`, `はい`, `○`; `false`, `no`, `0`, `いいえ`, `×`); else null.

    Examples:
        >>> import polars as pl
        >>> values = pl.Series(["TRUE", " はい ", "0", "maybe", None])
        >>> pl.select(parse_boolean(pl.lit(values))).to_series().to_list()
        [True, True, False, None, None]

    """
    return clean_text(value).str.to_lowercase().replace_strict(BOOLEAN_SPELLINGS, default=None, return_dtype=pl.Boolean)


def parse_date(value: pl.Expr) -> pl.Expr:
    """A date from `2024-04-01`, `2024/4/1`, `2024.4.1` or `2024年4月1日` (a midnight time is allowed).

    Examples:
        >>> import polars as pl
        >>> values = pl.Series(["2024/4/1", "２０２４年４月１日", "2024-02-30", "1/4/2024"])
        >>> pl.select(parse_date(pl.lit(values))).to_series().cast(pl.String).to_list()
        ['2024-04-01', '2024-04-01', None, None]

    """
    text = clean_text(value)
    iso = pl.concat_str(
        text.str.extract(_DATE, 1),
        text.str.extract(_DATE, 2).str.zfill(2),
        text.str.extract(_DATE, 3).str.zfill(2),
        separator="-",
    )
    return iso.str.to_date("%Y-%m-%d", strict=False)


def parse_period(value: pl.Expr) -> dict[str, pl.Expr]:
    """The period code, first and last day and grain of a period as members write it.

    Unparseable periods keep their cleaned text as the code, with null dates and grain.

    Examples:
        >>> import polars as pl
        >>> raw = pl.DataFrame({"period": ["2024年度", "令和元年度", "R6", "2024/5", "2024", "spring"]})
        >>> out = raw.select(**parse_period(pl.col("period")))
        >>> out.select(pl.all().cast(pl.String)).rows()  # doctest: +NORMALIZE_WHITESPACE
        [('FY2024', '2024-04-01', '2025-03-31', 'fiscal_year'),
         ('FY2019', '2019-04-01', '2020-03-31', 'fiscal_year'),
         ('FY2024', '2024-04-01', '2025-03-31', 'fiscal_year'),
         ('2024-05', '2024-05-01', '2024-05-31', 'month'),
         ('2024', '2024-01-01', '2024-12-31', 'year'),
         ('spring', None, None, None)]

    """
    text = clean_text(value)
    upper = text.str.to_uppercase()
    calendar_year = upper.str.extract(periods.YEAR_PATTERN, 1).cast(pl.Int32, strict=False)
    fiscal_pattern = periods.FISCAL_YEAR_PATTERN
    era_pattern = periods.ERA_FISCAL_YEAR_PATTERN
    era_first_year = upper.str.extract(era_pattern, 1).replace_strict(
        {era.upper(): year for era, year in periods.ERAS.items()}, default=None, return_dtype=pl.Int32
    )
    era_year_number = upper.str.extract(era_pattern, 2).replace("元", "1").cast(pl.Int32, strict=False)
    era_last_year = upper.str.extract(era_pattern, 1).replace_strict(
        periods.ERA_LAST_YEARS, default=None, return_dtype=pl.Int32
    )
    in_era = (era_year_number >= 1) & (era_year_number <= era_last_year.fill_null(era_year_number))
    fiscal_year = pl.coalesce(
        *(upper.str.extract(fiscal_pattern, group).cast(pl.Int32, strict=False) for group in (1, 2, 3)),
        pl.when(in_era).then(era_first_year + era_year_number - 1),
    )
    month_year = upper.str.extract(periods.MONTH_PATTERN, 1).cast(pl.Int32, strict=False)
    month_number = upper.str.extract(periods.MONTH_PATTERN, 2).cast(pl.Int32, strict=False)
    month = pl.when(month_number.is_between(1, 12) & month_year.is_not_null()).then(month_number)

    grain = (
        pl.when(calendar_year.is_not_null())
        .then(pl.lit(GRAIN_YEAR))
        .when(fiscal_year.is_not_null())
        .then(pl.lit(GRAIN_FISCAL_YEAR))
        .when(month.is_not_null())
        .then(pl.lit(GRAIN_MONTH))
    )
    year = pl.coalesce(calendar_year, fiscal_year, month_year)
    first_month = pl.coalesce(
        pl.when(calendar_year.is_not_null()).then(pl.lit(1, dtype=pl.Int32)),
        pl.when(fiscal_year.is_not_null()).then(pl.lit(FISCAL_YEAR_FIRST_MONTH, dtype=pl.Int32)),
        month,
    )
    start = pl.date(year, first_month, 1)
    end = (
        pl.when(grain == GRAIN_MONTH).then(start.dt.month_end()).otherwise(start.dt.offset_by("1y").dt.offset_by("-1d"))
    )
    code = (
        pl.when(grain == GRAIN_YEAR)
        .then(year.cast(pl.String))
        .when(grain == GRAIN_FISCAL_YEAR)
        .then(pl.concat_str(pl.lit("FY"), year.cast(pl.String)))
        .when(grain == GRAIN_MONTH)
        .then(pl.concat_str(year.cast(pl.String), pl.lit("-"), month.cast(pl.String).str.zfill(2)))
        .otherwise(text)
    )
    return {PERIOD: code, "period_start": start, "period_end": end, "grain": grain}


def unit_code(value: pl.Expr) -> pl.Expr:
    """The unit code of a spelling in the table `UNIT_SPELLINGS`, matched exactly after NFKC; else null.

    Case counts: `Mt` is megatonnes; `MT`, `mt` and `M/T` are metric tons (code `MT`, read as tonnes).

    Examples:
        >>> import polars as pl
        >>> values = pl.Series(["ｔ", "Mt", "MT", "Ｍ／Ｔ", "mT", "千トン", "tonnes!"])
        >>> pl.select(unit_code(pl.lit(values))).to_series().to_list()
        ['t', 'Mt', 'MT', 'MT', None, 'kt', None]

    """
    return clean_text(value).replace_strict(v.UNIT_SPELLINGS, default=None, return_dtype=pl.String)


def _literal_default(column: Column) -> str | None:
    """A column's documented default when it is itself a valid value (e.g. region `JP`)."""
    if column.regex is None or not column.default_en:
        return None
    matches = pl.select(pl.lit(column.default_en).str.contains(column.regex)).item()
    return column.default_en if matches else None


def _clean_submitted(column: Column, value: pl.Expr, *, default_region: pl.Expr | None) -> pl.Expr:
    """The normalised value of one submitted column, by its declaration."""
    dtype = column.dtype
    if dtype.is_float():
        return (parse_share(value) if column.percent_sign else parse_float(value)).cast(dtype)
    if dtype.is_integer():
        return parse_integer(value, dtype=dtype)
    if dtype == pl.Date():
        return parse_date(value)
    if dtype == pl.Boolean():
        return parse_boolean(value)
    if dtype != pl.String():
        return clean_text(value).cast(dtype, strict=False)
    if column.regex == v.REGION_PATTERN and column.default_from:
        return region_code(value)  # a blank takes the row's other column (below), not the member's region
    if column.regex == v.REGION_PATTERN:
        upper = region_code(value)
        fallback = pl.lit(_literal_default(column), dtype=pl.String)
        return upper.fill_null(fallback if default_region is None else default_region.fill_null(fallback))
    return _on_distinct(value, lambda text: _clean_string(column, text))


def _clean_string(column: Column, value: pl.Expr) -> pl.Expr:
    """A text column cleaned: codes read through their labels, ids NFKC-normalised, free text only stripped.

    Unknown codes stay as cleaned text, so the vocabulary check names them.
    """
    reader = code_reader(column)
    if reader is not None:
        return reader.code(value)
    return strip_text(value) if column.is_free_text else clean_text(value)


def _is_valid(column: Column) -> pl.Expr:
    """Whether a normalised column's value passes its own vocabulary and format checks (null is not valid)."""
    value = pl.col(column.name)
    valid = value.is_not_null()
    if column.vocabulary:
        valid &= value.is_in(column.vocabulary)
    if column.regex is not None:
        valid &= value.str.contains(column.regex)
    return valid


def _on_distinct(value: pl.Expr, clean: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    """Apply `clean` once per distinct value and map the column through it (text repeats a lot)."""
    distinct = value.unique(maintain_order=True)
    return value.replace_strict(distinct, clean(distinct), default=None, return_dtype=pl.String)


def _derived(contract: Contract, column: Column, *, lineage: Sequence[str]) -> pl.Expr:
    """A column computed from submitted ones (material group, tonnes) or from lineage; periods are parsed apart."""
    if column.derived_from in PASSTHROUGH:
        # Who sent the file (the secretariat's reference data names no member): null when judged without lineage.
        return pl.col(column.derived_from) if column.derived_from in lineage else pl.lit(None, dtype=column.dtype)
    if column.name == MATERIAL_GROUP:
        return pl.col(MATERIAL).str.extract(r"^([^.]+)", 1)
    base = column.name.removesuffix(TONNES_SUFFIX)
    units = [other.name for other in contract.columns if set(other.vocabulary) == _UNIT_CODES]
    if column.name.endswith(TONNES_SUFFIX) and base in contract.schema and units:
        factor = pl.col(units[0]).replace_strict(v.UNIT_TO_TONNES, default=None, return_dtype=pl.Float64)
        return pl.col(base) * factor
    msg = f"normalize does not know how to derive column {column.name!r} of {contract.name}"
    raise ValueError(msg)


def normalize(
    raw: pl.DataFrame | pl.LazyFrame, *, contract: Contract, default_region: pl.Expr | None = None
) -> pl.LazyFrame:
    """Raw text columns (as a reader returns them) typed and cleaned into `contract.schema`.

    Returns `source_row`, any lineage columns present (`submission_id`, `submitter_id`), then the
    contract's columns in order. `default_region` fills a missing region: an expression over the raw frame
    (`pl.lit("JP-40")`, or a column holding each row's member's region when several members are batched).

    Examples:
        >>> import polars as pl
        >>> from schemas import FLOWS
        >>> raw = pl.DataFrame(
        ...     {
        ...         "source_row": [2],
        ...         "member_id": ["city-a"],
        ...         "period": ["令和6年度"],
        ...         "material": ["Plastics.PET"],
        ...         "source_stage": ["Use"],
        ...         "target_stage": ["collection"],
        ...         "quantity": ["１,２００"],
        ...         "unit": ["キログラム"],
        ...     }
        ... )
        >>> out = normalize(raw, contract=FLOWS, default_region=pl.lit("JP-40")).collect()
        >>> out.select("period", "period_start", "material_group", "source", "quantity_t", "region").row(0)
        ('FY2024', datetime.date(2024, 4, 1), 'plastics', 'use', 1.2, 'JP-40')

    """
    frame = raw.lazy()
    present = frame.collect_schema()
    if SOURCE_ROW not in present:
        msg = f"the raw frame has no {SOURCE_ROW!r} column; read files with infra.readers.read_table"
        raise ValueError(msg)
    lineage = [name for name in PASSTHROUGH if name in present]

    def raw_text(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.String) if name in present else pl.lit(None, dtype=pl.String)

    submitted = contract.submitted_columns
    cleaned = frame.select(
        pl.col(SOURCE_ROW).cast(pl.Int64),
        *lineage,
        *(
            _clean_submitted(column, raw_text(column.name), default_region=default_region).alias(column.name)
            for column in submitted
        ),
    )
    # A blank takes another column's value of the row: a process name its stage code (source <- source_stage),
    # an origin or destination the row's region. Only a valid value is taken: a bad region is one error, on
    # region, not three (origin and destination would repeat it).
    row_defaults = [
        pl.col(column.name).fill_null(pl.when(_is_valid(contract.column(default))).then(pl.col(default)))
        for column in submitted
        for default in (column.default_from or column.name + STAGE_SUFFIX,)
        if default in contract.schema
    ]
    if row_defaults:
        cleaned = cleaned.with_columns(row_defaults)
    period_columns: tuple[str, ...] = ()
    if PERIOD in contract.schema:
        # A batch has few distinct periods: parse each once and join, instead of once per row.
        parsed = parse_period(pl.col(PERIOD))
        period_columns = tuple(parsed)
        lookup = cleaned.select(pl.col(PERIOD).unique()).with_columns(
            expression.alias(_PARSED_PREFIX + name) for name, expression in parsed.items()
        )
        cleaned = cleaned.join(lookup, on=PERIOD, how="left", nulls_equal=True, maintain_order="left")
    derived = [
        _derived(contract, column, lineage=lineage).alias(column.name)
        for column in contract.columns
        if not column.submitted and column.name not in period_columns
    ]
    cleaned = cleaned.with_columns(
        *(pl.col(_PARSED_PREFIX + name).alias(name) for name in period_columns),
        *derived,
    )
    return cleaned.select(
        SOURCE_ROW,
        *lineage,
        *(pl.col(name).cast(dtype) for name, dtype in contract.schema.items()),
    )


def resolve_metric_tons(flows: pl.LazyFrame) -> pl.LazyFrame:
    """Store the metric tons (`MT`, warned on every row by the contract) as `t`, their tonnes unchanged.

    Examples:
        >>> import polars as pl
        >>> flows = pl.LazyFrame({"unit": ["MT", "Mt", "t"], "quantity_t": [120.0, 1e6, 5.0]})
        >>> resolve_metric_tons(flows).collect().rows()
        [('t', 120.0), ('Mt', 1000000.0), ('t', 5.0)]

    """
    return flows.with_columns(pl.col("unit").replace(v.STORED_UNITS))


def roll_up_unknown_materials(flows: pl.LazyFrame) -> pl.LazyFrame:
    """Replace a material code that is not in the vocabulary by its group, when the group is known.

    Examples:
        >>> import polars as pl
        >>> flows = pl.LazyFrame({"material": ["plastics.pet", "plastics.bioplastic", "unobtainium.x", "paper"]})
        >>> roll_up_unknown_materials(flows).collect()["material"].to_list()
        ['plastics.pet', 'plastics', 'unobtainium.x', 'paper']

    """
    material = pl.col(MATERIAL)
    names = flows.collect_schema()
    group = pl.col(MATERIAL_GROUP) if MATERIAL_GROUP in names else material.str.extract(r"^([^.]+)", 1)
    unknown = ~material.is_in(v.MATERIAL_CODES) & group.is_in(v.MATERIAL_GROUP_CODES)
    return flows.with_columns(pl.when(unknown).then(group).otherwise(material).alias(MATERIAL))
