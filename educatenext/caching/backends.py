"""Flask-Caching backends we adjust: a Redis Cluster cache whose MGET may span slots."""

from flask_caching.backends.rediscache import RedisClusterCache


class ClusterCache(RedisClusterCache):
    """RedisClusterCache with get_many split per slot (one pipelined round trip per node).

    A plain MGET must name keys of one hash slot; a request's keys (auth context, response
    entry, generation tokens) live in several.
    """

    def get_many(self, *keys):
        """Values for keys, in order (None when missing)."""
        prefix = self._get_prefix()
        values = self._read_client.mget_nonatomic([prefix + key for key in keys])
        return [self.serializer.loads(value) for value in values]
