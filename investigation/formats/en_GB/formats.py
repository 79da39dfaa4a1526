"""Django's British English formats, with dates that no reader can take the wrong way round:
the month as a word when shown, the year first when typed in numbers (as events.dates asks)."""

DATE_FORMAT = "j M Y"  # 14 Jan 2019
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"  # 14 Jan 2019, 14:30
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
# The first is what a date box shows and what the admin's calendar writes.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d %b %Y", "%d %B %Y"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]
FIRST_DAY_OF_WEEK = 1  # Monday, as events.dates counts weeks
