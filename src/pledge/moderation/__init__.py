"""Text checks where content enters: one moderation service with contexts (listing, comment,
live), each answering a verdict, the terms it hit and the clause it applied (docs/moderation.md)."""
