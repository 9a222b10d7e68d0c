"""What the registry does. Web pages, the API and the exports all call these functions."""
