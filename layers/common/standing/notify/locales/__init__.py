"""Translations, one module per locale: `en` (fallback), `th`, `vi`, `zh_tw` (zh-TW). Same keys in every locale."""
