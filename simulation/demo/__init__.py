"""`hub demo` and `hub up --demo-orders`: a hub in this process fed by the simulated field."""
