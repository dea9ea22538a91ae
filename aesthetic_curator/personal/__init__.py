"""Learning one person's taste: residual adapters, PAM offsets, Active-PAM, profiles."""
