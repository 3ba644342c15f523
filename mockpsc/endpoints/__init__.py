"""One module per endpoint; ``mockpsc.apps`` wires them onto the two origins."""
