"""Events: conferences and clinics, and attendance at them."""
