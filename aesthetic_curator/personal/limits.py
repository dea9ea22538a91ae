"""Numbers the GUI needs without importing torch (the training modules import it)."""

#: Fewest ratings adapter training accepts (and below which no validation split is made).
MIN_RATINGS = 5
