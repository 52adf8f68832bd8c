"""An enterprise's fleet: the vehicles and drivers it declares once and books with."""
