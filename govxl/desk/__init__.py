"""The intake desk (``govxl serve``): units upload in a browser and see the verdict at once; the
office watches 报送进度 live, confirms or returns, and downloads what collect and merge make.

Another door to the same core: the store is an inbox that ``govxl collect`` and ``govxl merge``
read unchanged, and the desk's verdicts are collect's own.
"""
