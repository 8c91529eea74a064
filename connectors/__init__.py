"""Feed clients: fetch -> normalize -> validate -> hand rows to the store."""
