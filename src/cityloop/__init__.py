"""CityLoop: the 12345 citizen service hotline closed loop and the governance around it."""

__version__ = "0.1.0"
