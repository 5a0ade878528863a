"""Pages and files served outside the JSON API."""
