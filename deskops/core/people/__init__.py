"""The desk's people: role profiles, the skills matrix and its gaps, training needs from the event log."""
