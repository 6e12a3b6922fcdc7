package mvcc

// PutLocal writes an unversioned local key (see RangeLocalKey and
// StoreLocalKey). The value is copied.
func PutLocal(w Writer, key LocalKey, value []byte) error {
	if err := checkLocal(key); err != nil {
		return err
	}
	return w.PutRaw(key, value)
}

// DeleteLocal removes an unversioned local key.
func DeleteLocal(w Writer, key LocalKey) error {
	if err := checkLocal(key); err != nil {
		return err
	}
	return w.ClearRaw(key)
}

// GetLocal reads an unversioned local key. The value is owned by the caller;
// ok is false when the key is absent.
func GetLocal(r Reader, key LocalKey) (value []byte, ok bool, err error) {
	if err := checkLocal(key); err != nil {
		return nil, false, err
	}
	upper := append(append(make([]byte, 0, len(key)+1), key...), 0)
	it, err := r.NewRawIter(key, upper)
	if err != nil {
		return nil, false, err
	}
	if it.First() {
		raw, err := it.ValueAndErr()
		if err != nil {
			return nil, false, closeIter(it, err)
		}
		value, ok = append([]byte{}, raw...), true
	}
	return value, ok, closeIter(it, nil)
}

// ScanLocal calls fn for every local key in [lower, upper) in order (e.g. a
// RangeLocalSpan), stopping at the first error fn returns. The slices passed
// to fn are valid only during the call.
func ScanLocal(r Reader, lower, upper LocalKey, fn func(key, value []byte) error) error {
	if err := checkLocal(lower); err != nil {
		return err
	}
	if len(upper) == 0 || upper[0] != localPrefix {
		upper = LocalKey{userPrefix}
	}
	it, err := r.NewRawIter(lower, upper)
	if err != nil {
		return err
	}
	for valid := it.First(); valid; valid = it.Next() {
		raw, err := it.ValueAndErr()
		if err == nil {
			err = fn(it.Key(), raw)
		}
		if err != nil {
			return closeIter(it, err)
		}
	}
	return closeIter(it, nil)
}

func checkLocal(key LocalKey) error {
	if len(key) < 2 || key[0] != localPrefix {
		return invalidf("local key %x is not in the local key space", []byte(key))
	}
	return nil
}
