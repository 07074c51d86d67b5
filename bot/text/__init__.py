"""Text: normalisation, scripts (OpenCC), language choice, the i18n catalog."""
