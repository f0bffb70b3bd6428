"""Protection of rendered portals on plain static hosting: passwords, capability links, their secrets."""
