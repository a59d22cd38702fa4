"""What partner co-ops publish (questions, notes), kept for the partner feed page."""
