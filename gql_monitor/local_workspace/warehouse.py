def routes(state): return []
