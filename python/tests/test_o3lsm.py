# Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
#
# Tests of the Python module o3lsm (python/). Run by ctest as python_module:
#   PYTHONPATH=<build>/python /usr/bin/python3 -m pytest -q python/tests
# Databases go under $O3LSM_TEST_TMPDIR when set (ctest sets it to
# <build>/testtmp), else under pytest's tmp_path.

import gc
import os
import pathlib
import re
import shutil
import tempfile
import threading

import pytest

import o3lsm


@pytest.fixture
def db_path(tmp_path):
    base = os.environ.get("O3LSM_TEST_TMPDIR")
    if not base:
        yield str(tmp_path / "db")
        return
    os.makedirs(base, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="python_module-", dir=base)
    yield os.path.join(scratch, "db")
    shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture
def db(db_path):
    with o3lsm.DB(db_path) as d:
        yield d


def fill(db, n, prefix=b"k"):
    for i in range(n):
        db.put(b"%s%05d" % (prefix, i), b"v%d" % i)


# ---- Module ----


def test_version_is_the_project_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", o3lsm.__version__)


def test_every_status_code_has_an_error_class():
    for code in ["NotFound", "Corruption", "NotSupported", "InvalidArgument",
                 "IOError", "Busy", "TimedOut", "Unavailable", "Aborted",
                 "NoSpace"]:
        cls = getattr(o3lsm, code)
        assert issubclass(cls, o3lsm.Error)
        assert issubclass(cls, Exception)
        assert cls.code == code


# ---- Open and close ----


def test_open_missing_without_create_if_missing_is_invalid_argument(db_path):
    with pytest.raises(o3lsm.Error) as info:
        o3lsm.DB(db_path, create_if_missing=False)
    e = info.value
    assert isinstance(e, o3lsm.InvalidArgument)
    assert e.code == "InvalidArgument"
    assert e.message
    assert str(e) == "InvalidArgument: " + e.message


def test_error_if_exists(db_path):
    o3lsm.DB(db_path).close()
    with pytest.raises(o3lsm.InvalidArgument):
        o3lsm.DB(db_path, error_if_exists=True)


def test_second_open_of_an_open_database_is_busy(db, db_path):
    with pytest.raises(o3lsm.Busy) as info:
        o3lsm.DB(db_path)
    assert info.value.code == "Busy"


def test_path_may_be_path_like(db_path):
    with o3lsm.DB(pathlib.Path(db_path)) as d:
        d.put(b"k", b"v")
        assert d.path == db_path


def test_close_is_idempotent_and_later_calls_raise(db_path):
    d = o3lsm.DB(db_path)
    assert not d.closed
    d.close()
    d.close()
    assert d.closed
    assert "closed" in repr(d)
    for call in [lambda: d.put(b"a", b"b"), lambda: d.get(b"a"),
                 lambda: d.delete(b"a"), lambda: d.flush(),
                 lambda: d.iterator(), lambda: d.snapshot(),
                 lambda: d.get_property("o3lsm.stats"),
                 lambda: d.multi_get([b"a"])]:
        with pytest.raises(o3lsm.InvalidArgument, match="closed"):
            call()


def test_context_manager_closes_and_reopen_sees_the_data(db_path):
    with o3lsm.DB(db_path) as d:
        fill(d, 100)
        d.delete(b"k00007")
    assert d.closed
    with o3lsm.DB(db_path, create_if_missing=False) as d:
        assert d.get(b"k00000") == b"v0"
        assert d.get(b"k00099") == b"v99"
        assert d.get(b"k00007") is None
        assert len(list(d)) == 99


def test_reopen_after_flush_and_compaction(db_path):
    with o3lsm.DB(db_path, write_buffer_size=64 << 10) as d:
        fill(d, 3000)
        d.flush()
        d.compact_range()
    with o3lsm.DB(db_path) as d:
        assert d.get(b"k02999") == b"v2999"
        assert sum(1 for _ in d) == 3000


def test_destroy_db(db_path):
    with o3lsm.DB(db_path) as d:
        d.put(b"a", b"b")
    o3lsm.destroy_db(db_path)
    assert not os.path.exists(db_path)
    with pytest.raises(o3lsm.InvalidArgument):
        o3lsm.DB(db_path, create_if_missing=False)


# ---- Options ----


def test_options_are_applied(db_path):
    with o3lsm.DB(db_path, compression="zstd", bloom_bits_per_key=0,
                  block_cache_size=1 << 20, memtable_shards=2,
                  write_buffer_size=128 << 10, max_bytes_for_level_multiplier=8,
                  allow_mmap_reads=False, dm_pool=None, offload="none") as d:
        fill(d, 2000)
        d.flush()
        assert d.get(b"k01234") == b"v1234"
    with o3lsm.DB(db_path, compression="snappy",
                  write_buffer_size=128 << 10) as d:
        assert d.get(b"k01234") == b"v1234"
        fill(d, 2000)  # new tables in snappy next to the zstd ones
        d.flush()
    with o3lsm.DB(db_path, compression="lz4") as d:
        assert d.get(b"k01234") == b"v1234"


def test_metrics_listen_serves_the_statistics(db_path):
    import socket
    import urllib.request
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        address = "127.0.0.1:%d" % taken.getsockname()[1]
        try:
            with pytest.raises(o3lsm.IOError, match=re.escape(address)):
                o3lsm.DB(db_path, metrics_listen=address)
        except o3lsm.NotSupported:
            pytest.skip("built without O3LSM_WITH_METRICS")
    with o3lsm.DB(db_path, metrics_listen=address) as d:
        d.put(b"k", b"v")
        with urllib.request.urlopen("http://%s/metrics" % address,
                                    timeout=30) as reply:
            text = reply.read().decode()
    assert re.search(r"^rocksdb_number_keys_written_total 1(\.0)?$", text,
                     re.M), text


def test_metrics_listen_serves_openmetrics_when_asked(db_path):
    """With Prometheus's Accept header the endpoint serves OpenMetrics 1.0,
    checked by prometheus_client's strict parser (Debian
    python3-prometheus-client)."""
    import socket
    import urllib.request
    parser = pytest.importorskip(
        "prometheus_client.openmetrics.parser",
        reason="no prometheus_client (scripts/install-deps.sh installs "
        "python3-prometheus-client)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        address = "127.0.0.1:%d" % s.getsockname()[1]
    try:
        d = o3lsm.DB(db_path, metrics_listen=address)
    except o3lsm.NotSupported:
        pytest.skip("built without O3LSM_WITH_METRICS")
    with d:
        d.put(b"k", b"v")
        d.get(b"k")
        request = urllib.request.Request(
            "http://%s/metrics" % address,
            headers={"Accept": "application/openmetrics-text; "
                               "version=1.0.0,text/plain;version=0.0.4;q=0.5"})
        with urllib.request.urlopen(request, timeout=30) as reply:
            content_type = reply.headers["Content-Type"]
            text = reply.read().decode()
    assert content_type.startswith("application/openmetrics-text"), \
        content_type
    assert text.endswith("# EOF\n")
    families = {f.name: f for f in parser.text_string_to_metric_families(text)}
    written = families["rocksdb_number_keys_written"]
    assert written.type == "counter"
    assert [s.value for s in written.samples] == [1.0]
    assert written.samples[0].name == "rocksdb_number_keys_written_total"
    kinds = {f.type for f in families.values()}
    assert {"counter", "gauge", "summary"} <= kinds, kinds


def test_bad_options(db_path):
    with pytest.raises(TypeError, match="no_such_option"):
        o3lsm.DB(db_path, no_such_option=1)
    with pytest.raises(TypeError, match="write_buffer_size"):
        o3lsm.DB(db_path, write_buffer_size="big")
    with pytest.raises(TypeError, match="create_if_missing"):
        o3lsm.DB(db_path, create_if_missing=1)
    with pytest.raises(OverflowError, match="write_buffer_size"):
        o3lsm.DB(db_path, write_buffer_size=-1)
    with pytest.raises(OverflowError, match="memtable_shards"):
        o3lsm.DB(db_path, memtable_shards=1 << 40)
    with pytest.raises(o3lsm.InvalidArgument, match="brotli"):
        o3lsm.DB(db_path, compression="brotli")
    with pytest.raises(o3lsm.InvalidArgument, match="bogus"):
        o3lsm.DB(db_path, offload="memtable,bogus")
    with pytest.raises(o3lsm.InvalidArgument, match="sideways"):
        o3lsm.DB(db_path, offload="all", dm_read_mode="sideways")
    with pytest.raises(TypeError):
        o3lsm.DB(db_path, dm_pool=7)
    assert not os.path.exists(db_path)


# ---- Reads and writes ----


def test_put_get_delete(db):
    db.put(b"a", b"1")
    db.put(b"", b"empty key")
    db.put(b"b", b"")
    db.put(b"\x00\xff", b"\x00binary\xff", sync=True)
    assert db.get(b"a") == b"1"
    assert db.get(b"") == b"empty key"
    assert db.get(b"b") == b""
    assert db.get(b"\x00\xff") == b"\x00binary\xff"
    assert db.get(b"missing") is None
    assert db.get(b"missing", b"dflt") == b"dflt"
    assert db.get(b"missing", default=0) == 0
    db.delete(b"a")
    db.delete(b"never there")
    assert db.get(b"a") is None
    assert type(db.get(b"b")) is bytes


def test_bytes_like_arguments_are_accepted(db):
    key = bytearray(b"key")
    db.put(key, memoryview(b"value"))
    key[0:3] = b"xyz"  # the module copied it
    assert db.get(b"key") == b"value"
    assert db.get(memoryview(b"key")) == b"value"
    assert db.get(bytearray(b"key"), fill_cache=False,
                  verify_checksums=True) == b"value"


def test_str_and_other_types_raise_type_error(db):
    with pytest.raises(TypeError, match="key must be bytes, not str"):
        db.put("key", b"value")
    with pytest.raises(TypeError, match="value must be bytes"):
        db.put(b"key", "value")
    with pytest.raises(TypeError):
        db.get(1)
    with pytest.raises(TypeError):
        db.get(None)
    with pytest.raises(TypeError):
        db.delete("key")
    with pytest.raises(TypeError):
        db.delete_range("a", b"b")
    with pytest.raises(TypeError):
        db.multi_get([b"a", "b"])
    with pytest.raises(TypeError):
        db.iterator(lower_bound="a")
    with pytest.raises(TypeError):
        db.write([("a", "b")])
    with pytest.raises(TypeError):
        db.compact_range("a")
    with pytest.raises(TypeError):
        o3lsm.WriteBatch().put("a", b"b")
    with pytest.raises(TypeError):
        db.get(b"a", snapshot="now")
    with pytest.raises(TypeError):
        db.put(b"a", b"b", True)  # sync is keyword-only


def test_write_batch(db):
    db.put(b"gone", b"x")
    batch = o3lsm.WriteBatch()
    assert len(batch) == 0
    batch.put(b"a", b"1")
    batch.put(bytearray(b"b"), b"2")
    batch.delete(b"gone")
    batch.put(b"c", b"3")
    assert len(batch) == 4
    assert batch.approximate_size > 0
    db.write(batch, sync=True)
    assert db.get(b"a") == b"1"
    assert db.get(b"b") == b"2"
    assert db.get(b"c") == b"3"
    assert db.get(b"gone") is None
    batch.clear()
    assert len(batch) == 0
    batch.put(b"d", b"4")
    db.write(batch)  # a batch may be written again
    assert db.get(b"d") == b"4"


def test_multi_get(db):
    fill(db, 10)
    assert db.multi_get([b"k00001", b"nope", b"k00009"]) == [b"v1", None, b"v9"]
    assert db.multi_get(k for k in [b"k00002"]) == [b"v2"]
    assert db.multi_get([]) == []
    with db.snapshot() as snap:
        db.put(b"k00001", b"changed")
        db.delete(b"k00009")
        assert db.multi_get([b"k00001", b"k00009"], snapshot=snap) == [
            b"v1", b"v9"]
    assert db.multi_get([b"k00001", b"k00009"]) == [b"changed", None]


def test_properties(db):
    fill(db, 100)
    db.flush()
    assert isinstance(db.get_property("o3lsm.stats"), str)
    assert int(db.get_property("o3lsm.num-files-at-level0")) >= 1
    assert int(db.get_property("o3lsm.last-sequence")) == 100
    assert db.get_property("o3lsm.no-such-property") is None
    assert db.get_property("rocksdb.stats") is None


def test_compact_range_keeps_the_data(db):
    fill(db, 1000)
    db.flush()
    for i in range(0, 1000, 2):
        db.delete(b"k%05d" % i)
    db.compact_range(b"k00100", b"k00500")
    db.compact_range(begin=None, end=b"k00050")
    db.compact_range()
    assert db.get(b"k00001") == b"v1"
    assert db.get(b"k00002") is None
    assert sum(1 for _ in db) == 500


# ---- DeleteRange ----


def test_delete_range(db):
    fill(db, 100)
    db.delete_range(b"k00010", b"k00020")
    assert db.get(b"k00009") == b"v9"
    assert db.get(b"k00010") is None
    assert db.get(b"k00019") is None
    assert db.get(b"k00020") == b"v20"
    keys = [k for k, _ in db]
    assert len(keys) == 90
    assert b"k00015" not in keys
    db.delete_range(b"k00050", b"k00050")  # empty: not an error
    assert db.get(b"k00050") == b"v50"
    with pytest.raises(o3lsm.InvalidArgument):
        db.delete_range(b"z", b"a")


def test_delete_range_spares_snapshots_and_survives_flush_and_reopen(db_path):
    with o3lsm.DB(db_path) as d:
        fill(d, 100)
        with d.snapshot() as snap:
            d.delete_range(b"k00000", b"k00050")
            assert d.get(b"k00010", snapshot=snap) == b"v10"
            assert len(list(d.iterator(snapshot=snap))) == 100
            d.flush()
            assert d.get(b"k00010") is None
            assert d.get(b"k00010", snapshot=snap) == b"v10"
        d.put(b"k00010", b"after")  # later writes are not affected
        d.compact_range()
        assert d.get(b"k00010") == b"after"
    with o3lsm.DB(db_path) as d:
        assert d.get(b"k00011") is None
        assert d.get(b"k00010") == b"after"
        assert d.get(b"k00050") == b"v50"
        assert sum(1 for _ in d) == 51


def test_write_batch_delete_range(db):
    fill(db, 10)
    batch = o3lsm.WriteBatch()
    batch.delete_range(b"k00002", b"k00005")
    batch.put(b"k00003", b"rewritten")  # after the tombstone in the batch
    assert len(batch) == 2
    db.write(batch)
    assert db.get(b"k00002") is None
    assert db.get(b"k00003") == b"rewritten"
    assert db.get(b"k00004") is None
    assert db.get(b"k00005") == b"v5"


# ---- Snapshots ----


def test_snapshot_isolation(db):
    db.put(b"a", b"old")
    db.put(b"b", b"old")
    snap = db.snapshot()
    db.put(b"a", b"new")
    db.delete(b"b")
    db.put(b"c", b"new")
    assert db.get(b"a", snapshot=snap) == b"old"
    assert db.get(b"b", snapshot=snap) == b"old"
    assert db.get(b"c", snapshot=snap) is None
    assert list(db.iterator(snapshot=snap)) == [(b"a", b"old"), (b"b", b"old")]
    assert list(db) == [(b"a", b"new"), (b"c", b"new")]
    db.flush()  # the snapshot's versions survive a flush
    assert db.get(b"a", snapshot=snap) == b"old"
    assert not snap.released
    snap.release()
    snap.release()
    assert snap.released
    with pytest.raises(o3lsm.InvalidArgument, match="released"):
        db.get(b"a", snapshot=snap)
    with pytest.raises(o3lsm.InvalidArgument):
        db.iterator(snapshot=snap)


def test_snapshot_context_manager(db):
    db.put(b"a", b"1")
    with db.snapshot() as snap:
        db.put(b"a", b"2")
        assert db.get(b"a", snapshot=snap) == b"1"
    assert snap.released
    with pytest.raises(o3lsm.InvalidArgument):
        db.multi_get([b"a"], snapshot=snap)


def test_snapshot_of_another_database_is_refused(db, db_path):
    with o3lsm.DB(db_path + "-other") as other:
        with other.snapshot() as snap:
            with pytest.raises(o3lsm.InvalidArgument, match="another"):
                db.get(b"a", snapshot=snap)


# ---- Iterators ----


def test_iterating_the_database_yields_every_pair_in_order(db):
    items = [(b"b", b"2"), (b"a", b"1"), (b"c", b"3"), (b"ab", b"x")]
    for k, v in items:
        db.put(k, v)
    assert list(db) == sorted(items)
    assert [k for k, v in db] == [b"a", b"ab", b"b", b"c"]
    assert list(db.iterator(include_value=False)) == [b"a", b"ab", b"b", b"c"]
    assert list(db.iterator(include_key=False)) == [b"1", b"x", b"2", b"3"]
    with pytest.raises(ValueError):
        db.iterator(include_key=False, include_value=False)


def test_iterator_over_an_empty_database(db):
    it = db.iterator()
    assert list(it) == []
    assert not it.valid
    with pytest.raises(StopIteration):
        it.prev()
    it.seek_to_first()
    assert not it.valid
    with pytest.raises(o3lsm.InvalidArgument, match="not at an entry"):
        it.key()


def test_iterator_cursor(db):
    fill(db, 5)  # k00000 .. k00004
    it = db.iterator()
    assert not it.valid  # before the first entry
    assert next(it) == (b"k00000", b"v0")
    assert it.valid and it.key() == b"k00001" and it.value() == b"v1"
    assert it.prev() == (b"k00000", b"v0")  # next then prev: the same entry
    assert next(it) == (b"k00000", b"v0")
    it.seek(b"k00002x")
    assert it.key() == b"k00003"
    assert list(it) == [(b"k00003", b"v3"), (b"k00004", b"v4")]
    assert not it.valid  # past the last entry
    with pytest.raises(StopIteration):
        next(it)
    assert it.prev() == (b"k00004", b"v4")  # back from past the end
    assert it.prev() == (b"k00003", b"v3")
    it.seek_to_first()
    with pytest.raises(StopIteration):
        it.prev()  # before the first entry
    assert next(it) == (b"k00000", b"v0")  # back from before the start
    it.seek_to_last()
    assert it.key() == b"k00004"
    it.seek(b"zzz")
    assert not it.valid
    assert it.prev() == (b"k00004", b"v4")
    it.seek_for_prev(b"k00002x")
    assert it.key() == b"k00002"
    it.seek_for_prev(b"k00002")
    assert it.key() == b"k00002"
    it.seek_for_prev(b"a")
    assert not it.valid
    with pytest.raises(TypeError):
        it.seek("k")


def test_reverse_iteration_and_seek_for_prev(db):
    fill(db, 10)
    assert [k for k, _ in db.iterator(reverse=True)] == [
        b"k%05d" % i for i in reversed(range(10))]
    it = db.iterator(reverse=True)
    it.seek_for_prev(b"k00004x")
    assert it.key() == b"k00004"
    assert [k for k, _ in it] == [b"k00004", b"k00003", b"k00002", b"k00001",
                                  b"k00000"]
    with pytest.raises(StopIteration):
        next(it)
    # prev() goes the other way (ascending) for a reversed iterator.
    assert it.prev() == (b"k00000", b"v0")
    assert it.prev() == (b"k00001", b"v1")
    assert next(it) == (b"k00001", b"v1")
    it.seek(b"k00007")
    assert next(it) == (b"k00007", b"v7")
    assert next(it) == (b"k00006", b"v6")


def test_iterator_bounds(db):
    fill(db, 20)
    lower, upper = bytearray(b"k00005"), bytearray(b"k00010")
    it = db.iterator(lower, upper)
    lower[:] = b"k00000"  # the iterator keeps its own copies
    upper[:] = b"k00020"
    del lower, upper
    gc.collect()
    assert [k for k, _ in it] == [b"k%05d" % i for i in range(5, 10)]
    it.seek_to_first()
    assert it.key() == b"k00005"
    it.seek_to_last()
    assert it.key() == b"k00009"
    it.seek(b"k00001")  # below the lower bound: lands on it
    assert it.key() == b"k00005"
    it.seek(b"k00015")  # at or past the upper bound: nothing
    assert not it.valid
    it.seek_for_prev(b"k00015")
    assert it.key() == b"k00009"
    it.seek_for_prev(b"k00001")
    assert not it.valid
    rev = db.iterator(lower_bound=b"k00005", upper_bound=b"k00010",
                      reverse=True)
    assert [k for k, _ in rev] == [b"k%05d" % i for i in range(9, 4, -1)]
    assert [k for k, _ in db.iterator(upper_bound=b"k00003")] == [
        b"k00000", b"k00001", b"k00002"]
    assert [k for k, _ in db.iterator(lower_bound=b"k00018")] == [
        b"k00018", b"k00019"]
    assert list(db.iterator(b"k00005", b"k00005")) == []


def test_iterator_close_and_context_manager(db):
    fill(db, 3)
    with db.iterator() as it:
        assert next(it) == (b"k00000", b"v0")
    with pytest.raises(o3lsm.InvalidArgument, match="iterator is closed"):
        next(it)
    assert not it.valid
    it.close()  # idempotent


def test_iterator_keeps_its_database_alive(db_path):
    it = o3lsm.DB(db_path).iterator()  # nothing else refers to the DB
    gc.collect()
    assert list(it) == []
    del it
    gc.collect()
    # The DB was collected and closed, so the path can be opened again.
    with o3lsm.DB(db_path) as d:
        d.put(b"a", b"b")


def test_iterator_sees_the_state_at_its_creation(db):
    fill(db, 3)
    it = db.iterator()
    db.put(b"k00001", b"changed")
    db.put(b"k00009", b"added")
    assert list(it) == [(b"k00000", b"v0"), (b"k00001", b"v1"),
                        (b"k00002", b"v2")]


# ---- Closing with iterators and snapshots alive ----


def test_close_closes_live_iterators_and_snapshots(db_path):
    d = o3lsm.DB(db_path)
    fill(d, 10)
    it = d.iterator()
    assert next(it) == (b"k00000", b"v0")
    rev = d.iterator(reverse=True)
    snap = d.snapshot()
    d.close()  # neither waits for nor crashes on them
    assert not it.valid
    for call in [lambda: next(it), lambda: it.prev(), lambda: it.key(),
                 lambda: it.seek(b"k"), lambda: next(rev)]:
        with pytest.raises(o3lsm.InvalidArgument, match="closed"):
            call()
    assert snap.released
    it.close()
    snap.release()
    del it, rev, snap, d
    gc.collect()
    with o3lsm.DB(db_path) as d:
        assert d.get(b"k00009") == b"v9"


def test_close_while_other_threads_read(db_path):
    d = o3lsm.DB(db_path)
    fill(d, 1000)
    errors = []
    started = threading.Barrier(5)

    def reader(n):
        started.wait()
        try:
            while True:
                if n % 2:
                    d.get(b"k%05d" % (n * 100))
                else:
                    for _ in d.iterator():
                        pass
        except o3lsm.InvalidArgument as e:
            errors.append(e)

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    started.wait()
    d.close()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive()
    assert len(errors) == 4
    assert all("closed" in str(e) for e in errors)


# ---- Threads ----


def test_threads_writing_disjoint_keys(db):
    n_threads, per_thread = 8, 2000

    def writer(t):
        batch = o3lsm.WriteBatch()
        for i in range(per_thread):
            key = b"t%02d-%05d" % (t, i)
            if i % 10 == 0:
                batch.put(key, key)
                if len(batch) == 10:
                    db.write(batch)
                    batch.clear()
            else:
                db.put(key, key)
            if i % 500 == 0:
                db.get(key)
        if len(batch):
            db.write(batch)

    threads = [threading.Thread(target=writer, args=(t,))
               for t in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = [b"t%02d-%05d" % (t, i) for t in range(n_threads)
            for i in range(per_thread)]
    assert db.multi_get(keys) == keys
    assert [k for k, _ in db] == sorted(keys)


# ---- Offloading to disaggregated memory ----


def test_offload_moves_memtables_into_dm_and_keeps_the_data(db_path):
    # The C++ offload tests' setting (tests/offload/offload_db_test.cc):
    # small memtables in 4 shards, so that sealed ones move into the
    # embedded pool's DM, flushed and compacted by embedded workers.
    options = dict(offload="memtable,flush,compaction",
                   write_buffer_size=256 << 10, memtable_shards=4,
                   embedded_workers=2, level0_file_num_compaction_trigger=2,
                   max_bytes_for_level_base=1 << 20,
                   target_file_size_base=256 << 10)
    value = b"x" * 100
    n = 20000
    with o3lsm.DB(db_path, **options) as d:
        for i in range(n):
            d.put(b"user%08d" % i, value + b"%d" % i)
        segments = d.get_property("o3lsm.segments")
        assert segments is not None and "segments:" in segments
        assert int(d.get_property("o3lsm.dm-bytes-moved")) > 0
        assert "Embedded workers" in d.get_property("o3lsm.jobs")
        assert d.get(b"user%08d" % 12345) == value + b"12345"
        with d.snapshot() as snap:
            d.put(b"user%08d" % 1, b"new")
            assert d.get(b"user%08d" % 1, snapshot=snap) == value + b"1"
        d.flush()
        assert d.get_property("o3lsm.dm-live-bytes") == "0"
        assert sum(1 for _ in d) == n
    with o3lsm.DB(db_path, **options) as d:
        assert d.get(b"user%08d" % (n - 1)) == value + b"%d" % (n - 1)
        assert d.get(b"user%08d" % 1) == b"new"
        assert sum(1 for _ in d.iterator(lower_bound=b"user00010000")) == 10000


# ---- Read-only open ----


def test_read_only_open(db_path):
    with o3lsm.DB(db_path) as d:
        fill(d, 50)
        d.flush()
        d.put(b"in-wal", b"yes")
    with o3lsm.DB(db_path, read_only=True) as ro:
        assert ro.read_only
        assert ro.get(b"k00049") == b"v49"
        assert ro.get(b"in-wal") == b"yes"
        assert sum(1 for _ in ro) == 51
        with pytest.raises(o3lsm.NotSupported):
            ro.put(b"a", b"b")
        with pytest.raises(o3lsm.NotSupported):
            ro.delete_range(b"a", b"b")
        with pytest.raises(o3lsm.NotSupported):
            ro.flush()


def test_read_only_open_while_a_writer_has_it_open(db_path):
    with o3lsm.DB(db_path) as writer:
        fill(writer, 10)
        with o3lsm.DB(db_path, read_only=True) as ro:
            assert ro.get(b"k00009") == b"v9"
            writer.put(b"later", b"x")
            assert ro.get(b"later") is None  # as of its open
