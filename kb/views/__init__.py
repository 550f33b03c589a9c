"""One blueprint per audience: public, wizard, tickets, agent, api."""
