#!/bin/sh
# Builds the device file reader with libFuzzer and AddressSanitizer (which also reports leaks, so a libyaml
# parser or event left unfreed fails the run), then fuzzes it from the shipped device files.
#
#   Tests/Fuzz/run.sh [SECONDS]       default 60; findings land in .build-fuzz/findings/
set -eu
cd "$(dirname "$0")/../.."
seconds="${1:-60}"
[ "$seconds" -gt 0 ] || { echo "usage: $0 [SECONDS > 0]" >&2; exit 64; }
# Swift's own crash reporter is slow and libFuzzer prints the stack already.
export SWIFT_BACKTRACE=enable=no
out=.build-fuzz
mkdir -p "$out/corpus" "$out/findings"
flags="-sanitize=fuzzer,address -parse-as-library -g -O -swift-version 6 -enable-upcoming-feature ExistentialAny
    -enable-upcoming-feature InternalImportsByDefault -I $out"

# Each module as one object, in dependency order (only the files the device reader needs).
swiftc $flags -module-name Support -wmo -I Sources/CHearthSystem -emit-module -emit-module-path "$out/Support.swiftmodule" \
    -c -o "$out/Support.o" Sources/Support/*.swift
swiftc $flags -module-name Fieldbus -wmo -I Sources/CModbus -I Sources/CMosquitto $(pkg-config --cflags-only-I libmodbus | sed 's/-I/-Xcc -I/g') \
    -emit-module -emit-module-path "$out/Fieldbus.swiftmodule" -c -o "$out/Fieldbus.o" Sources/Fieldbus/*/*.swift
swiftc $flags -module-name YAML -wmo -I Sources/CYAML -emit-module -emit-module-path "$out/YAML.swiftmodule" \
    -c -o "$out/YAML.o" Sources/YAML/*.swift
swiftc $flags -module-name Plant -wmo -I Sources/CYAML -I Sources/CModbus -I Sources/CMosquitto -emit-module -emit-module-path "$out/Plant.swiftmodule" \
    -c -o "$out/Plant.o" Sources/Plant/DeviceFile/*.swift
swiftc $flags -use-ld=lld -I Sources/CYAML -I Sources/CModbus -I Sources/CMosquitto -o "$out/device-file-fuzzer" Tests/Fuzz/DeviceFileFuzzer.swift \
    "$out/Support.o" "$out/Fieldbus.o" "$out/YAML.o" "$out/Plant.o" -lyaml -lmodbus -lmosquitto

cp devices/*.yaml devices/examples/*.yaml "$out/corpus/"
"$out/device-file-fuzzer" "$out/corpus" -dict=Tests/Fuzz/yaml.dict -max_len=8192 -max_total_time="$seconds" \
    -artifact_prefix="$out/findings/" -print_final_stats=1
