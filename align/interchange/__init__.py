"""Exchange with other tools: XLIFF for CAT tools, TMX."""
