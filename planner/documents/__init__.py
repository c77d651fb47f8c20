"""Document handling: reading uploads, parsing policy structure, rendering Word files."""
