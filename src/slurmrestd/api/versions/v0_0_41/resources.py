"""v0.0.41 nodes, partitions, reservations and statistics: the same as v0.0.42's."""

from __future__ import annotations

from slurmrestd.api.versions.v0_0_42 import resources as newer

NODE_FIELDS = newer.NODE_FIELDS
PARTITION_FIELDS = newer.PARTITION_FIELDS
RESERVATION_FIELDS = newer.RESERVATION_FIELDS
STATISTICS_FIELDS = newer.STATISTICS_FIELDS

render_node = newer.render_node
render_partition = newer.render_partition
render_reservation = newer.render_reservation
render_diag = newer.render_diag
