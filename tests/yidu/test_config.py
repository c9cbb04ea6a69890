"""Settings are read once from the environment; bad values are refused with the variable's name."""
import pytest

from yidu.config import ConfigError, Settings


def test_defaults_and_overrides_from_the_environment(tmp_path):
    plain = Settings.from_env({})
    assert plain.es.url is None and plain.index.prefix == "yidu" and plain.trusted_proxies == ()
    s = Settings.from_env({"ES_URL": "https://es.example:9200", "YIDU_INDEX_PREFIX": "t1",
                           "YIDU_STATE_DIR": str(tmp_path), "YIDU_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1"})
    assert s.es.url == "https://es.example:9200" and s.index.alias("catalog") == "t1-catalog"
    assert s.state_dir == tmp_path and s.trusted_proxies == ("10.0.0.0/8", "192.168.1.1")


@pytest.mark.parametrize("env, name", [({"YIDU_ES_PORT": "nine"}, "YIDU_ES_PORT"),
                                       ({"YIDU_TRUSTED_PROXIES": "10.0.0.0/8,proxy.local"}, "YIDU_TRUSTED_PROXIES")])
def test_bad_values_name_their_variable(env, name):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env(env)
