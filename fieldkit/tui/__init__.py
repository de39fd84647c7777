"""The field app (Textual): roster, person file, visit and other forms, today, sync, help."""
