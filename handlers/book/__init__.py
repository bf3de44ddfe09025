"""The book of business (issue 15): tags in dimensions, custom fields, segments."""
