"""The domain: tables, vocabularies and pure rules. No I/O, no Textual."""
