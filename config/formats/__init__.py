"""The company's date formats, one package per language: Django's locale formats win over settings."""
