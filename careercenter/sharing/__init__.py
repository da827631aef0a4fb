"""Share links a student makes under recorded FERPA consent (34 CFR 99.30)."""
