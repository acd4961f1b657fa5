"""Maintainer tools: generating student notebooks and refreshing stored outputs (see README, "Authoring")."""
