"""E-mail: settings, transport (SMTP, IMAP, .eml) and the send / remind / fetch jobs."""
