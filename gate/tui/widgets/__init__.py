"""The main screen's widgets. Attributes flow down into them; they post messages up, never call siblings."""
