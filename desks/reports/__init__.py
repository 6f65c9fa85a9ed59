"""The street office's monthly figures, their charts and exports."""
