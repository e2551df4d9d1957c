package main

// The -header mode: the profile-level fields, exactly. `go tool pprof -raw`
// prints the duration truncated ("Duration: 3.00") and not the drop/keep
// frames, so this reads them from the protobuf itself. Only top-level
// fields and ValueType messages are decoded; samples, locations and so on
// are skipped (the -raw text covers those).

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
)

type valueType struct{ typ, unit uint64 }

type header struct {
	strs              []string
	sampleTypes       []valueType
	periodType        valueType
	dropFrames        uint64
	keepFrames        uint64
	timeNanos         int64
	durationNanos     int64
	period            int64
	comments          []uint64
	defaultSampleType uint64
	docURL            uint64
}

var errTruncated = errors.New("truncated protobuf")

func varint(b []byte) (uint64, []byte, error) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, b[i+1:], nil
		}
	}
	return 0, nil, errTruncated
}

// fields calls f for each field of a message; for wire type 2, data holds
// the payload, otherwise v holds the value.
func fields(b []byte, f func(num int, wire int, v uint64, data []byte) error) error {
	for len(b) > 0 {
		key, rest, err := varint(b)
		if err != nil {
			return err
		}
		b = rest
		num, wire := int(key>>3), int(key&7)
		var v uint64
		var data []byte
		switch wire {
		case 0:
			v, b, err = varint(b)
			if err != nil {
				return err
			}
		case 1:
			if len(b) < 8 {
				return errTruncated
			}
			b = b[8:]
		case 2:
			n, rest, err := varint(b)
			if err != nil {
				return err
			}
			if n > uint64(len(rest)) {
				return errTruncated
			}
			data, b = rest[:n], rest[n:]
		case 5:
			if len(b) < 4 {
				return errTruncated
			}
			b = b[4:]
		default:
			return fmt.Errorf("wire type %d", wire)
		}
		if err := f(num, wire, v, data); err != nil {
			return err
		}
	}
	return nil
}

func decodeValueType(data []byte) (valueType, error) {
	var vt valueType
	err := fields(data, func(num, wire int, v uint64, _ []byte) error {
		switch {
		case num == 1 && wire == 0:
			vt.typ = v
		case num == 2 && wire == 0:
			vt.unit = v
		}
		return nil
	})
	return vt, err
}

func readHeader(path string) (*header, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		z, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		if b, err = io.ReadAll(z); err != nil {
			return nil, err
		}
	}
	h := &header{}
	err = fields(b, func(num, wire int, v uint64, data []byte) error {
		var err error
		switch {
		case num == 1 && wire == 2:
			var vt valueType
			vt, err = decodeValueType(data)
			h.sampleTypes = append(h.sampleTypes, vt)
		case num == 6 && wire == 2:
			h.strs = append(h.strs, string(data))
		case num == 7 && wire == 0:
			h.dropFrames = v
		case num == 8 && wire == 0:
			h.keepFrames = v
		case num == 9 && wire == 0:
			h.timeNanos = int64(v)
		case num == 10 && wire == 0:
			h.durationNanos = int64(v)
		case num == 11 && wire == 2:
			h.periodType, err = decodeValueType(data)
		case num == 12 && wire == 0:
			h.period = int64(v)
		case num == 13 && wire == 0:
			h.comments = append(h.comments, v)
		case num == 13 && wire == 2: // packed
			for len(data) > 0 && err == nil {
				var c uint64
				if c, data, err = varint(data); err == nil {
					h.comments = append(h.comments, c)
				}
			}
		case num == 14 && wire == 0:
			h.defaultSampleType = v
		case num == 15 && wire == 0:
			h.docURL = v
		}
		return err
	})
	return h, err
}

func printHeader(path string, w io.Writer) error {
	h, err := readHeader(path)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	var bad error
	str := func(i uint64) string {
		if i >= uint64(len(h.strs)) {
			bad = fmt.Errorf("%s: string index %d out of range", path, i)
			return ""
		}
		return fmt.Sprintf("%q", h.strs[i])
	}
	vt := func(v valueType) string { return str(v.typ) + "/" + str(v.unit) }
	var types, comments string
	for _, t := range h.sampleTypes {
		types += " " + vt(t)
	}
	for _, c := range h.comments {
		comments += " " + str(c)
	}
	fmt.Fprintf(w, "sample_type%s\n", types)
	fmt.Fprintf(w, "period_type %s\n", vt(h.periodType))
	fmt.Fprintf(w, "period %d\n", h.period)
	fmt.Fprintf(w, "time_nanos %d\n", h.timeNanos)
	fmt.Fprintf(w, "duration_nanos %d\n", h.durationNanos)
	fmt.Fprintf(w, "drop_frames %s\n", str(h.dropFrames))
	fmt.Fprintf(w, "keep_frames %s\n", str(h.keepFrames))
	fmt.Fprintf(w, "comment%s\n", comments)
	fmt.Fprintf(w, "default_sample_type %s\n", str(h.defaultSampleType))
	fmt.Fprintf(w, "doc_url %s\n", str(h.docURL))
	return bad
}
