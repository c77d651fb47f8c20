"""Services: every write goes through here, checks the actor and writes the audit trail.

Each function takes the session and the acting user as keyword-only arguments; the
caller owns the session and its transaction (see planner.db.session_scope).
"""
