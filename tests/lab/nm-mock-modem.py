#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The tuntuntun authors
"""Drives python3-dbusmock's NetworkManager template for the one device kind
veth cannot imitate: a ModemManager modem, whose control port (cdc-wdm0)
is not its IP interface.

nm-mock-modem.py add IP_IFACE ADDRESS/PLEN GATEWAY   a modem, activated, metered
nm-mock-modem.py state STATE                         its NMDeviceState (100, 30, ...)
nm-mock-modem.py remove                              unplug it
The bus is $DBUS_SYSTEM_BUS_ADDRESS."""

import sys

import dbus

NM = 'org.freedesktop.NetworkManager'
MOCK = 'org.freedesktop.DBus.Mock'
DEVICE = NM + '.Device'
PATH = '/org/freedesktop/NetworkManager/Devices/modem0'
IP4 = '/org/freedesktop/NetworkManager/IP4Config/modem0'


def mock(bus, path='/org/freedesktop/NetworkManager'):
    return dbus.Interface(bus.get_object(NM, path), MOCK)


def emit_added(bus, path, interfaces):
    """InterfacesAdded from the template's ObjectManager (AddObject does not)."""
    obj = bus.get_object(NM, path)
    props = {i: obj.GetAll(i, dbus_interface=dbus.PROPERTIES_IFACE) for i in interfaces}
    mock(bus, '/org/freedesktop').EmitSignal('org.freedesktop.DBus.ObjectManager', 'InterfacesAdded',
                                             'oa{sa{sv}}', [dbus.ObjectPath(path), props])


def emit_removed(bus, path, interfaces):
    mock(bus, '/org/freedesktop').EmitSignal('org.freedesktop.DBus.ObjectManager', 'InterfacesRemoved',
                                             'oas', [dbus.ObjectPath(path), interfaces])


def set_devices(bus, devices):
    nm = bus.get_object(NM, '/org/freedesktop/NetworkManager')
    value = dbus.Array(devices, signature='o')
    nm.Set(NM, 'Devices', value, dbus_interface=dbus.PROPERTIES_IFACE)
    mock(bus).EmitSignal(dbus.PROPERTIES_IFACE, 'PropertiesChanged', 'sa{sv}as',
                         [NM, {'Devices': value}, dbus.Array([], signature='s')])


def add(bus, ip_iface, address, gateway):
    addr, plen = address.split('/')
    manager = mock(bus)
    manager.AddObject(IP4, NM + '.IP4Config', {
        'AddressData': dbus.Array([{'address': addr, 'prefix': dbus.UInt32(int(plen))}], signature='a{sv}'),
        'Addresses': dbus.Array([], signature='au'),
        'Gateway': gateway,
        'RouteData': dbus.Array([], signature='a{sv}'),
        'Routes': dbus.Array([], signature='au'),
        'NameserverData': dbus.Array([], signature='a{sv}'),
        'Nameservers': dbus.Array([], signature='u'),
        'Domains': dbus.Array([], signature='s'),
        'Searches': dbus.Array([], signature='s'),
        'DnsOptions': dbus.Array([], signature='s'),
        'DnsPriority': dbus.Int32(0),
        'WinsServerData': dbus.Array([], signature='s'),
        'WinsServers': dbus.Array([], signature='u'),
    }, [])
    manager.AddObject(PATH, DEVICE + '.Modem', {
        'ModemCapabilities': dbus.UInt32(8),     # LTE
        'CurrentCapabilities': dbus.UInt32(8),
        'DeviceId': 'mock-modem',
        'OperatorCode': '00101',
        'Apn': 'internet',
    }, [])
    device = mock(bus, PATH)
    device.AddProperties(DEVICE, {
        'DeviceType': dbus.UInt32(8),            # NM_DEVICE_TYPE_MODEM
        'Interface': 'cdc-wdm0',                 # the control port
        'IpInterface': ip_iface,                 # where IP runs
        'Driver': 'qmi_wwan',
        'State': dbus.UInt32(100),
        'StateReason': (dbus.UInt32(100), dbus.UInt32(0)),
        'ActiveConnection': dbus.ObjectPath('/'),
        'AvailableConnections': dbus.Array([], signature='o'),
        'Ip4Config': dbus.ObjectPath(IP4),
        'Ip6Config': dbus.ObjectPath('/'),
        'Managed': True,
        'Autoconnect': True,
        'Metered': dbus.UInt32(3),               # NM_METERED_GUESS_YES, as for modems
        'Mtu': dbus.UInt32(1500),
        'Real': True,
        'InterfaceFlags': dbus.UInt32(1),
        'Capabilities': dbus.UInt32(0),
        'Udi': '/sys/devices/mock/modem0',
        'Path': '',
        'HwAddress': '',
    })
    emit_added(bus, IP4, [NM + '.IP4Config'])
    emit_added(bus, PATH, [DEVICE, DEVICE + '.Modem'])
    nm = bus.get_object(NM, '/org/freedesktop/NetworkManager')
    devices = nm.Get(NM, 'Devices', dbus_interface=dbus.PROPERTIES_IFACE)
    devices.append(dbus.ObjectPath(PATH))
    set_devices(bus, devices)
    manager.EmitSignal(NM, 'DeviceAdded', 'o', [dbus.ObjectPath(PATH)])


def state(bus, value):
    device = mock(bus, PATH)
    obj = bus.get_object(NM, PATH)
    old = obj.Get(DEVICE, 'State', dbus_interface=dbus.PROPERTIES_IFACE)
    # the template's SetProperty sends the signal libnm follows
    mock(bus).SetProperty(PATH, DEVICE, 'State', dbus.UInt32(value, variant_level=1))
    device.EmitSignal(DEVICE, 'StateChanged', 'uuu', [dbus.UInt32(value), old, dbus.UInt32(0)])


def remove(bus):
    manager = mock(bus)
    nm = bus.get_object(NM, '/org/freedesktop/NetworkManager')
    devices = [d for d in nm.Get(NM, 'Devices', dbus_interface=dbus.PROPERTIES_IFACE) if d != PATH]
    set_devices(bus, devices)
    manager.EmitSignal(NM, 'DeviceRemoved', 'o', [dbus.ObjectPath(PATH)])
    emit_removed(bus, PATH, [DEVICE, DEVICE + '.Modem'])
    manager.RemoveObject(PATH)
    emit_removed(bus, IP4, [NM + '.IP4Config'])
    manager.RemoveObject(IP4)


def main():
    bus = dbus.SystemBus()
    if sys.argv[1] == 'add':
        add(bus, sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == 'state':
        state(bus, int(sys.argv[2]))
    elif sys.argv[1] == 'remove':
        remove(bus)
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
