"""Validation reports: the model of DESIGN §6 and its JSON, RDF and text views."""
