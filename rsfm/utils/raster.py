"""Small raster helpers shared by loaders, writers and drawings."""

#: file suffixes read and written as GeoTIFF (through rasterio)
GEOTIFF = ('.tif', '.tiff')


def is_geotiff(path: str) -> bool:
    """Whether ``path`` names a GeoTIFF by its suffix."""
    return path.lower().endswith(GEOTIFF)
