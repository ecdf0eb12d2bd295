"""Hand formulas of the WGS84 ellipsoid for expected values in tests (textbook geodesy, not the
program's code): small distances and areas from the radii of curvature.

    a = 6,378.137 km, f = 1 / 298.257223563, e^2 = f (2 - f)
    M(phi) = a (1 - e^2) / (1 - e^2 sin^2 phi)^(3/2)   meridian radius of curvature
    N(phi) = a / (1 - e^2 sin^2 phi)^(1/2)             prime-vertical radius of curvature

A meridian arc is the integral of M over the latitude (Simpson's rule over the arc: exact to
1e-12 for the few-km arcs of the tests); along a parallel, N(phi) cos(phi) * d_lon; a small
lat/lon cell is M N cos(phi) d_lat d_lon (to about 1e-6 of the geodesic area of 1 km shapes,
whose edges are geodesics, not parallels).
"""

from __future__ import annotations

import math

A_KM = 6378.137
F = 1 / 298.257223563
E2 = F * (2 - F)


def m_radius_km(lat_deg: float) -> float:
    s2 = math.sin(math.radians(lat_deg)) ** 2
    return A_KM * (1 - E2) / (1 - E2 * s2) ** 1.5


def n_radius_km(lat_deg: float) -> float:
    return A_KM / math.sqrt(1 - E2 * math.sin(math.radians(lat_deg)) ** 2)


def meridian_km(lat0_deg: float, dlat_deg: float) -> float:
    """Length of the meridian arc from lat0 to lat0 + dlat (degrees), by Simpson's rule."""
    lat1 = lat0_deg + dlat_deg
    mean_m = (
        m_radius_km(lat0_deg) + 4 * m_radius_km(lat0_deg + dlat_deg / 2) + m_radius_km(lat1)
    ) / 6
    return mean_m * math.radians(abs(dlat_deg))


def parallel_km(lat_deg: float, dlon_deg: float) -> float:
    """Length along the parallel at lat (a geodesic only at the equator)."""
    return n_radius_km(lat_deg) * math.cos(math.radians(lat_deg)) * math.radians(abs(dlon_deg))


def cell_km2(lat_mid_deg: float, dlat_deg: float, dlon_deg: float) -> float:
    """Area of a small lat/lon cell centred at lat_mid."""
    phi = lat_mid_deg
    return (
        m_radius_km(phi) * n_radius_km(phi) * math.cos(math.radians(phi))
        * math.radians(dlat_deg) * math.radians(dlon_deg)
    )  # fmt: skip
