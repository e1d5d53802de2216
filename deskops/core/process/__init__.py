"""Process health: the map of how tickets flow (variants, times, loops), signals and what-if replays."""
