# Django's Chinese formats, where residents read them differently: 1月1日, not 01月1日.
# Every other format falls back to Django's own (django/conf/locale/zh_Hans/formats.py).
MONTH_DAY_FORMAT = "n月j日"
