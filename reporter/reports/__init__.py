"""Reports: the briefs' contents, their Word templates, the consolidated Excel report, rendering."""
