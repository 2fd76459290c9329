# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
#
# dbus-commands.sh: the busctl and gdbus commands a README shows for every
# method and property of tttd's D-Bus API, exactly as a user types them (as
# root; reading needs no root). Not a script: the lab test dbus-policy runs
# each line on its own, in order, against a client that bonds wan0
# (/org/tuntuntun/Tttd1/Link/0) and, for the Peer lines, against its server
# (peer c0: /org/tuntuntun/Tttd1/Peer/0), and fails on any error. It runs
# the commands of README.md's "## D-Bus API" section the same way.

# the service, its objects and their interfaces
busctl --system tree org.tuntuntun.Tttd1
busctl --system introspect org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1
gdbus introspect --system --dest org.tuntuntun.Tttd1 --object-path /org/tuntuntun/Tttd1
busctl --system call org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.freedesktop.DBus.ObjectManager GetManagedObjects
gdbus call --system --dest org.tuntuntun.Tttd1 --object-path /org/tuntuntun/Tttd1 --method org.freedesktop.DBus.ObjectManager.GetManagedObjects

# Manager properties
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager Version
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager Mode
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager State
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager Strategy
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager TunInterface
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager TunnelAddresses
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager Mtu
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager Links
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager Peers
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager RxBytes
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager TxBytes
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager Counters
busctl --system --json=pretty get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager Counters
gdbus call --system --dest org.tuntuntun.Tttd1 --object-path /org/tuntuntun/Tttd1 --method org.freedesktop.DBus.Properties.Get org.tuntuntun.Tttd1.Manager State
gdbus call --system --dest org.tuntuntun.Tttd1 --object-path /org/tuntuntun/Tttd1 --method org.freedesktop.DBus.Properties.GetAll org.tuntuntun.Tttd1.Manager

# Manager methods
busctl --system call org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager SetStrategy s redundant
gdbus call --system --dest org.tuntuntun.Tttd1 --object-path /org/tuntuntun/Tttd1 --method org.tuntuntun.Tttd1.Manager.SetStrategy weighted
busctl --system call org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager AddLink 'sa{sv}' wwan0 2 weight u 30 metered b true
gdbus call --system --dest org.tuntuntun.Tttd1 --object-path /org/tuntuntun/Tttd1 --method org.tuntuntun.Tttd1.Manager.AddLink wlan0 "{'priority': <uint32 5>, 'enabled': <false>}"
busctl --system call org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager RemoveLink o /org/tuntuntun/Tttd1/Link/1
gdbus call --system --dest org.tuntuntun.Tttd1 --object-path /org/tuntuntun/Tttd1 --method org.tuntuntun.Tttd1.Manager.RemoveLink /org/tuntuntun/Tttd1/Link/2
busctl --system call org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1 org.tuntuntun.Tttd1.Manager Reload
gdbus call --system --dest org.tuntuntun.Tttd1 --object-path /org/tuntuntun/Tttd1 --method org.tuntuntun.Tttd1.Manager.Reload

# Link properties
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link Interface
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link State
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link Source
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link LocalAddress
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link RttUsec
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link JitterUsec
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link LossPercent
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link CapacityBps
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link TxBytes
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link RxBytes
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link TxPackets
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link RxPackets
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link Weight
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link Priority
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link Metered
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link Enabled
gdbus call --system --dest org.tuntuntun.Tttd1 --object-path /org/tuntuntun/Tttd1/Link/0 --method org.freedesktop.DBus.Properties.Get org.tuntuntun.Tttd1.Link RttUsec
gdbus call --system --dest org.tuntuntun.Tttd1 --object-path /org/tuntuntun/Tttd1/Link/0 --method org.freedesktop.DBus.Properties.GetAll org.tuntuntun.Tttd1.Link

# Link methods
busctl --system call org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link SetWeight u 50
gdbus call --system --dest org.tuntuntun.Tttd1 --object-path /org/tuntuntun/Tttd1/Link/0 --method org.tuntuntun.Tttd1.Link.SetWeight 60
busctl --system call org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link SetPriority u 1
gdbus call --system --dest org.tuntuntun.Tttd1 --object-path /org/tuntuntun/Tttd1/Link/0 --method org.tuntuntun.Tttd1.Link.SetPriority 2
busctl --system call org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Link/0 org.tuntuntun.Tttd1.Link SetEnabled b false
gdbus call --system --dest org.tuntuntun.Tttd1 --object-path /org/tuntuntun/Tttd1/Link/0 --method org.tuntuntun.Tttd1.Link.SetEnabled true

# Peer properties (a server's clients)
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Peer/0 org.tuntuntun.Tttd1.Peer Name
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Peer/0 org.tuntuntun.Tttd1.Peer PublicKey
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Peer/0 org.tuntuntun.Tttd1.Peer Address
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Peer/0 org.tuntuntun.Tttd1.Peer Endpoints
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Peer/0 org.tuntuntun.Tttd1.Peer State
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Peer/0 org.tuntuntun.Tttd1.Peer RxBytes
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Peer/0 org.tuntuntun.Tttd1.Peer TxBytes
busctl --system get-property org.tuntuntun.Tttd1 /org/tuntuntun/Tttd1/Peer/0 org.tuntuntun.Tttd1.Peer LastHandshake
gdbus call --system --dest org.tuntuntun.Tttd1 --object-path /org/tuntuntun/Tttd1/Peer/0 --method org.freedesktop.DBus.Properties.GetAll org.tuntuntun.Tttd1.Peer

# watch changes (links coming and going, PropertiesChanged at most once a second)
busctl --system monitor org.tuntuntun.Tttd1
gdbus monitor --system --dest org.tuntuntun.Tttd1
