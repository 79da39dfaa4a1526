"""Date formats (settings.FORMAT_MODULE_PATH): every date shown or typed in a way that reads
the same in Baghdad and in New York ("14 Jan 2019", 2019-01-14), never 01/02/2019."""
