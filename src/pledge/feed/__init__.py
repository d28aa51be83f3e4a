"""The feed people see (issue 16): quality-weighted ranking over the reach model, traffic
support programmes, and what the feed page shows. Above governance, experience, live and videos
because it reads their signals; below the web."""
