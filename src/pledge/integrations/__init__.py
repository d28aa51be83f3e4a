"""The open platform (issue 20): what merchant ERPs and apps rely on to call Pledge safely."""
