"""FERPA amendment requests (34 CFR 99.20–99.22): a student asks to amend a record; registrar staff grant or deny."""
