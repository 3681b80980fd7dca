"""The submission path by stage: receive → judge → record → publish; `batch` picks the path for a batch."""
