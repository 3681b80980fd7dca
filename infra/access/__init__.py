"""Who may do what: MinIO users and policies, BI readers' roles, and the Secret blocks holding members' credentials."""
