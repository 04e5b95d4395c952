"""Fill-in forms: planning each unit's form, writing it, reading returned forms and collecting them."""
