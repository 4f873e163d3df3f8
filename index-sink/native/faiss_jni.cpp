// JNI binding behind io.matchstream.index.vector.FaissIndex (Faiss 1.7.3, AVX2 build, linked in statically).
//
// One native Handle per FaissIndex: the raw vectors by id (the exact scan and the re-rank read them), the
// trained IVF index (null until trained), drift statistics, and the dirty set of a retrain in progress.
// Locking is the Java side's: searches and add_chunk run under its read lock, writes and install under
// its write lock, train_job under none (it touches only its own Job).
//
// Every entry point catches C++ exceptions and turns them into io.matchstream.index.vector.VectorIndexException
// before returning, so a Faiss error never unwinds through the JVM.
#include <jni.h>
#include <omp.h>
#include <sys/mman.h>

#include <faiss/IndexFlat.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFFastScan.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexRefine.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/impl/io.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/utils/Heap.h>
#include <faiss/utils/distances.h>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <unordered_set>
#include <vector>

namespace {

using idx_t = faiss::Index::idx_t;

// Ids index a dense slot table (the attribute store hands out dense ids), so they must fit an int32 slot
// table's range; a larger id is a caller bug reported as an exception, not a 16 GiB allocation.
constexpr idx_t kMaxId = (idx_t(1) << 31) - 1;
// PQ k-means of 256 centroids x 64 points each (set in new_ivf) needs no more.
constexpr idx_t kCodecTrainingPoints = 256 * 64;
constexpr uint64_t kMagic = 0x3153534941464d53ULL; // "SMFAISS1"

// An 8-bit copy of a stored vector for the planner's scan (quantized_dot): d signed codes, then the float scale
// that turns them back (code x scale ~ component; scale = the vector's largest |component| / 127). One scale per
// vector needs no training and follows every upsert; for unit vectors in 512-d a score is off by about 3e-4.
inline size_t code_row_bytes(int d) { return (size_t)d + sizeof(float); }

inline void encode_row(const float* v, int d, int8_t* row) {
    float top = 0;
    for (int i = 0; i < d; i++) top = std::max(top, std::fabs(v[i]));
    float scale = top > 0 ? top / 127.0f : 1.0f;
    for (int i = 0; i < d; i++) row[i] = (int8_t)std::lrint(std::clamp(v[i] / scale, -127.0f, 127.0f));
    std::memcpy(row + d, &scale, sizeof(float));
}

// Memory for the arrays searches read at random (the stored vectors, their 8-bit copies, the slot table): from 2 MiB
// on, 2 MiB aligned, and with MATCHSTREAM_FAISS_HUGE_PAGES=1 advised for transparent huge pages (madvise; Linux's
// default THP mode serves only what is advised). A re-rank or a scan reads one row per candidate anywhere in
// gigabytes; with 4 KiB pages a row's page-table walk misses the cache too once other work has evicted the page
// tables: re-scoring 700 random rows of 1M x 512-d took 776 us with 4 KiB pages and 470 us with huge pages in a C++
// loop that evicts them between queries. The query service gained nothing consistent from it (README, "Vector index
// (Faiss)"), so it is off unless asked for.
inline bool huge_pages_advised() {
    static const bool advised = [] {
        const char* v = std::getenv("MATCHSTREAM_FAISS_HUGE_PAGES");
        return v != nullptr && std::strcmp(v, "1") == 0;
    }();
    return advised;
}

template <typename T>
struct HugePageAllocator {
    using value_type = T;
    static constexpr size_t kHuge = size_t(1) << 21;
    HugePageAllocator() = default;
    template <typename U>
    HugePageAllocator(const HugePageAllocator<U>&) {}
    static bool huge(size_t n) { return n * sizeof(T) >= kHuge; }
    T* allocate(size_t n) {
        if (!huge(n)) return std::allocator<T>().allocate(n);
        size_t bytes = (n * sizeof(T) + kHuge - 1) & ~(kHuge - 1);
        void* p = std::aligned_alloc(kHuge, bytes);
        if (p == nullptr) throw std::bad_alloc();
        if (huge_pages_advised()) madvise(p, bytes, MADV_HUGEPAGE);
        return static_cast<T*>(p);
    }
    void deallocate(T* p, size_t n) {
        if (huge(n)) std::free(p);
        else std::allocator<T>().deallocate(p, n);
    }
    template <typename U>
    bool operator==(const HugePageAllocator<U>&) const { return true; }
    template <typename U>
    bool operator!=(const HugePageAllocator<U>&) const { return false; }
};
template <typename T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

struct VectorStore {
    int d = 0;
    HugeVector<float> data;       // slot-major, d floats per slot
    HugeVector<int8_t> codes;     // slot-major, code_row_bytes(d) per slot: the 8-bit copies (encode_row)
    std::vector<idx_t> ids;       // slot -> id
    HugeVector<int32_t> slot_of;  // id -> slot, -1 when absent

    size_t size() const { return ids.size(); }
    const float* at(size_t slot) const { return data.data() + slot * d; }
    const int8_t* code_at(size_t slot) const { return codes.data() + slot * code_row_bytes(d); }
    int32_t slot(idx_t id) const { return id >= 0 && id < (idx_t)slot_of.size() ? slot_of[id] : -1; }

    void put(idx_t id, const float* v) {
        if (id < 0 || id > kMaxId) throw std::invalid_argument("id " + std::to_string(id) + " outside 0.." + std::to_string(kMaxId));
        if (id >= (idx_t)slot_of.size()) slot_of.resize(std::max<size_t>(id + 1, slot_of.size() * 3 / 2), -1);
        int32_t s = slot_of[id];
        if (s < 0) {
            s = (int32_t)ids.size();
            ids.push_back(id);
            data.resize(data.size() + d);
            codes.resize(codes.size() + code_row_bytes(d));
            slot_of[id] = s;
        }
        std::memcpy(data.data() + (size_t)s * d, v, sizeof(float) * d);
        encode_row(v, d, codes.data() + (size_t)s * code_row_bytes(d));
    }

    // Swap-removes id; *moved is the id that now sits in the freed slot (-1 if none).
    bool remove(idx_t id, idx_t* moved) {
        *moved = -1;
        int32_t s = slot(id);
        if (s < 0) return false;
        size_t last = ids.size() - 1;
        if ((size_t)s != last) {
            ids[s] = ids[last];
            std::memcpy(data.data() + (size_t)s * d, data.data() + last * d, sizeof(float) * d);
            const size_t row = code_row_bytes(d);
            std::memcpy(codes.data() + (size_t)s * row, codes.data() + last * row, row);
            slot_of[ids[s]] = s;
            *moved = ids[s];
        }
        ids.pop_back();
        data.resize(last * d);
        codes.resize(last * code_row_bytes(d));
        slot_of[id] = -1;
        return true;
    }
};

// A trained IVF index plus what the drift detector needs from its training: the centroids' squared norms
// (to turn the inner-product assignment into a squared residual) and the training sample's mean residual.
struct Trained {
    std::unique_ptr<faiss::IndexIVF> ivf;
    std::vector<float> centroid_norms;
    double baseline_residual = 0;

    void prepare_norms() {
        size_t nlist = ivf->nlist;
        centroid_norms.resize(nlist);
        std::vector<float> c(ivf->d);
        for (size_t i = 0; i < nlist; i++) {
            ivf->quantizer->reconstruct(i, c.data());
            centroid_norms[i] = faiss::fvec_norm_L2sqr(c.data(), ivf->d);
        }
    }

    // Adds n vectors and returns the sum of their squared residuals to their assigned centroids; the
    // assignment is the one add needs anyway, so measuring drift costs nothing extra.
    double add(idx_t n, const float* x, const idx_t* ids) {
        std::vector<idx_t> assign(n);
        std::vector<float> sim(n);
        ivf->quantizer->search(n, x, 1, sim.data(), assign.data());
        ivf->add_core(n, x, ids, assign.data());
        double sum = 0;
        for (idx_t i = 0; i < n; i++) {
            if (assign[i] < 0) continue;
            float xn = faiss::fvec_norm_L2sqr(x + i * ivf->d, ivf->d);
            sum += std::max(0.0, (double)xn + centroid_norms[assign[i]] - 2.0 * sim[i]);
        }
        return sum;
    }

    void remove(const std::vector<idx_t>& ids) {
        if (ids.empty()) return;
        faiss::IDSelectorArray sel(ids.size(), ids.data());
        ivf->remove_ids(sel);
    }
};

struct Job {
    Trained trained;
    std::vector<float> sample;
    size_t next_slot = 0;
};

struct Handle {
    int d = 0;
    std::string factory;
    bool flat = false; // "Flat": the raw vector store is the index
    VectorStore store;
    std::unique_ptr<Trained> trained;
    int64_t trained_size = 0;
    int64_t retrains = 0;
    int64_t adds_since_training = 0;
    // drift: mean squared residual of the last complete window of adds since training
    int64_t window = 10000;
    double window_sum = 0;
    int64_t window_n = 0;
    double last_window_mean = NAN;
    // a retrain in progress records every id whose vector changed or moved since it began
    bool tracking = false;
    std::unordered_set<idx_t> dirty;
    // slots below this one are already in the retrain's new index (chunks go in slot order)
    size_t frontier = 0;

    void note_residuals(double sum, int64_t n) {
        window_sum += sum;
        window_n += n;
        if (window_n >= window) {
            last_window_mean = window_sum / window_n;
            window_sum = 0;
            window_n = 0;
        }
    }
};

void throw_java(JNIEnv* env, const char* message) {
    if (env->ExceptionCheck()) return; // a pending Java exception (e.g. OutOfMemoryError) wins
    jclass cls = env->FindClass("io/matchstream/index/vector/VectorIndexException");
    if (cls != nullptr) env->ThrowNew(cls, message);
}

// Faiss's OpenMP pool size for the threads that call it (MATCHSTREAM_FAISS_THREADS, read at load; 0 = OpenMP's
// default). omp_set_num_threads sets the calling thread's pool only, so each thread sets it on its first call:
// set once at load, it held for the loading thread alone, and the trainer and request threads ran pools of one
// thread per core.
int g_faiss_threads = 1;

void own_pool_size() {
    thread_local bool set = false;
    if (!set) {
        if (g_faiss_threads > 0) omp_set_num_threads(g_faiss_threads);
        set = true;
    }
}

template <typename F>
auto guarded(JNIEnv* env, decltype(std::declval<F>()()) fallback, F&& body) -> decltype(body()) {
    try {
        own_pool_size();
        return body();
    } catch (const faiss::FaissException& e) {
        throw_java(env, (std::string("faiss: ") + e.what()).c_str());
    } catch (const std::bad_alloc&) {
        throw_java(env, "faiss: out of native memory");
    } catch (const std::exception& e) {
        throw_java(env, e.what());
    } catch (...) {
        throw_java(env, "faiss: unknown native error");
    }
    return fallback;
}

Handle* H(jlong h) { return reinterpret_cast<Handle*>(h); }

std::unique_ptr<faiss::IndexIVF> new_ivf(int d, const std::string& factory) {
    std::unique_ptr<faiss::Index> index(faiss::index_factory(d, factory.c_str(), faiss::METRIC_INNER_PRODUCT));
    // In Faiss 1.7.3 fast-scan IVF and IndexRefine reject SearchParameters, so they cannot apply a filter;
    // graph and non-IVF codecs cannot remove ids or take a selector behind an id map.
    if (dynamic_cast<faiss::IndexIVFFastScan*>(index.get()) != nullptr) {
        throw std::invalid_argument("'" + factory + "': fast-scan IVF indexes cannot filter in Faiss 1.7.3 (use PQ without x4fs)");
    }
    auto* ivf = dynamic_cast<faiss::IndexIVF*>(index.get());
    if (ivf == nullptr) {
        throw std::invalid_argument("'" + factory + "': only IVF indexes (or Flat) support filters and removal in Faiss 1.7.3");
    }
    index.release();
    std::unique_ptr<faiss::IndexIVF> out(ivf);
    out->set_direct_map_type(faiss::DirectMap::Hashtable); // id -> (list, offset): O(1) remove for upserts
    if (auto* pq = dynamic_cast<faiss::IndexIVFPQ*>(out.get())) {
        // The codes only shortlist candidates that the exact re-rank orders, so PQ training can be cheap:
        // no polysemous training (only Hamming-threshold search uses it; the factory turns it on), and
        // 64 points per centroid x 10 iterations instead of 256 x 25 (about 10x less; recall unchanged).
        pq->do_polysemous_training = false;
        pq->pq.cp.max_points_per_centroid = 64;
        pq->pq.cp.niter = 10;
    }
    return out;
}

struct FloatArray {
    std::vector<float> v;
    FloatArray(JNIEnv* env, jfloatArray a) : v(env->GetArrayLength(a)) {
        env->GetFloatArrayRegion(a, 0, (jsize)v.size(), v.data());
    }
};

// The admitted-id bitmap, pinned without a copy for the duration of one search. Java's long words in
// little-endian order are exactly IDSelectorBitmap's byte layout (bit i%8 of byte i/8).
struct PinnedBitmap {
    JNIEnv* env;
    jlongArray array;
    jlong* words = nullptr;
    size_t n_words = 0;
    PinnedBitmap(JNIEnv* env, jlongArray array) : env(env), array(array) {
        if (array != nullptr) {
            n_words = env->GetArrayLength(array);
            words = static_cast<jlong*>(env->GetPrimitiveArrayCritical(array, nullptr));
            if (words == nullptr) throw std::bad_alloc();
        }
    }
    ~PinnedBitmap() {
        if (words != nullptr) env->ReleasePrimitiveArrayCritical(array, words, JNI_ABORT);
    }
};

struct TopK {
    std::vector<float> scores;
    std::vector<idx_t> ids;
    explicit TopK(size_t k) : scores(k), ids(k) { faiss::minheap_heapify(k, scores.data(), ids.data()); }
    void push(float score, idx_t id) {
        if (score > scores[0]) faiss::minheap_replace_top(scores.size(), scores.data(), ids.data(), score, id);
    }
    size_t finish() { // sorts best first; returns how many are real
        faiss::minheap_reorder(scores.size(), scores.data(), ids.data());
        size_t n = 0;
        while (n < ids.size() && ids[n] >= 0) n++;
        return n;
    }
};

jint emit(JNIEnv* env, TopK& top, jlongArray out_ids, jfloatArray out_scores) {
    size_t n = top.finish();
    static_assert(sizeof(jlong) == sizeof(idx_t), "idx_t is 64-bit");
    env->SetLongArrayRegion(out_ids, 0, (jsize)n, reinterpret_cast<const jlong*>(top.ids.data()));
    env->SetFloatArrayRegion(out_scores, 0, (jsize)n, top.scores.data());
    return (jint)n;
}

// A second, lazily checked condition on admitted ids: the id's point on the unit sphere (x, y, z at
// points[3 id]) lies within an angle of a centre, i.e. its dot product with the centre is at least min_dot.
// Checked only for the ids a search visits, so a radius filter costs nothing for the ids it never reaches.
struct Sphere {
    const double* points = nullptr; // null: no such condition
    size_t n_points = 0;
    double x = 0, y = 0, z = 0, min_dot = 0;
    bool near(idx_t id) const {
        if (points == nullptr) return true;
        if ((size_t)id >= n_points) return false;
        const double* p = points + 3 * (size_t)id;
        return p[0] * x + p[1] * y + p[2] * z >= min_dot;
    }
    // Starts the read of an id's point (24 bytes: one or two cache lines), so that checking ids some places ahead
    // overlaps their cache misses instead of waiting for each in turn.
    void prefetch(idx_t id) const {
        if ((size_t)id >= n_points) return;
        const char* p = reinterpret_cast<const char*>(points + 3 * (size_t)id);
        __builtin_prefetch(p);
        __builtin_prefetch(p + 3 * sizeof(double) - 1);
    }
};

// How many ids ahead a loop that checks points prefetches them (a point read is a cache miss at 1M profiles).
constexpr size_t kPointsAhead = 16;

// The admitted bitmap (bit id % 64 of word id / 64) and the sphere condition, as Faiss's ID selector.
struct AdmittedSelector final : faiss::IDSelector {
    const uint64_t* words;
    size_t n_words;
    const Sphere& sphere;
    AdmittedSelector(const jlong* words, size_t n_words, const Sphere& sphere)
            : words(reinterpret_cast<const uint64_t*>(words)), n_words(n_words), sphere(sphere) {}
    // The bitmap alone (the IVF pass prefetches the points of the ids it sets).
    bool in_bitmap(idx_t id) const {
        size_t w = (size_t)id >> 6;
        return w < n_words && ((words[w] >> (id & 63)) & 1) != 0;
    }
    bool is_member(idx_t id) const override { return in_bitmap(id) && sphere.near(id); }
};

// The sphere condition from Java: a direct buffer of doubles (x, y, z per id) or null, and the centre.
Sphere sphere_of(JNIEnv* env, jobject points, jdouble x, jdouble y, jdouble z, jdouble min_dot) {
    Sphere s;
    if (points != nullptr) {
        s.points = static_cast<const double*>(env->GetDirectBufferAddress(points));
        if (s.points == nullptr) throw std::invalid_argument("points must be a direct buffer");
        s.n_points = (size_t)env->GetDirectBufferCapacity(points) / (3 * sizeof(double));
        s.x = x;
        s.y = y;
        s.z = z;
        s.min_dot = min_dot;
    }
    return s;
}

// Scores the rows of ids[0, n) (up to the first -1; ids without a row are skipped) into top: score(row), where row
// is row_of(slot), row_bytes long. Each row is a random read (a 2 KiB float vector or a 516-byte 8-bit copy at
// 512-d): the next kAhead rows are prefetched while one is scored, so the reads overlap instead of each waiting for
// memory (a re-rank's shortlist, or a scan's admitted ids, holds hundreds to thousands).
template <size_t kAhead, typename RowOf, typename Score>
void score_rows(const VectorStore& store, const idx_t* ids, size_t n, size_t row_bytes, RowOf&& row_of, Score&& score, TopK& top) {
    auto prefetch = [&](const void* row) {
        for (size_t off = 0; off < row_bytes; off += 64) __builtin_prefetch(static_cast<const char*>(row) + off);
    };
    using Row = decltype(row_of(int32_t(0)));
    std::vector<Row> rows;
    std::vector<idx_t> found;
    rows.reserve(n);
    found.reserve(n);
    for (size_t i = 0; i < n && ids[i] >= 0; i++) {
        int32_t slot = store.slot(ids[i]);
        if (slot >= 0) {
            rows.push_back(row_of(slot));
            found.push_back(ids[i]);
        }
    }
    for (size_t i = 0; i < rows.size() && i < kAhead; i++) prefetch(rows[i]);
    for (size_t i = 0; i < rows.size(); i++) {
        if (i + kAhead < rows.size()) prefetch(rows[i + kAhead]);
        top.push(score(rows[i]), found[i]);
    }
}

// Exact inner products with the stored float vectors of ids[0, n).
void score_ids(const VectorStore& store, const float* q, const idx_t* ids, size_t n, TopK& top) {
    score_rows<4>(store, ids, n, sizeof(float) * (size_t)store.d, [&](int32_t slot) { return store.at(slot); },
                  [&](const float* v) { return faiss::fvec_inner_product(q, v, store.d); }, top);
}

// The ids set in the admitted bitmap (ids past the store's slot table excluded) that the sphere condition admits, in
// id order: the scans walk the admitted bits, not the store, so with few admitted ids they touch only those rows.
std::vector<idx_t> admitted_ids(const VectorStore& s, const jlong* words, size_t n_words_in, const Sphere& sphere) {
    std::vector<idx_t> ids;
    size_t n_words = std::min(n_words_in, (s.slot_of.size() + 63) / 64);
    for (size_t w = 0; w < n_words; w++) {
        uint64_t bits = (uint64_t)words[w];
        while (bits != 0) {
            ids.push_back((idx_t)(w * 64 + __builtin_ctzll(bits)));
            bits &= bits - 1;
        }
    }
    if (sphere.points == nullptr) return ids;
    // The sphere condition in a second pass over the ids, each point prefetched kPointsAhead ids before it is
    // checked: in a C++ loop over 20,000 of 1M points, 0.66 ms against 0.96 ms checking each as it was found.
    size_t kept = 0;
    for (size_t i = 0; i < ids.size(); i++) {
        if (i + kPointsAhead < ids.size()) sphere.prefetch(ids[i + kPointsAhead]);
        if (sphere.near(ids[i])) ids[kept++] = ids[i];
    }
    ids.resize(kept);
    return ids;
}

void exact(const Handle* h, const float* q, const jlong* words, size_t n_words_in, TopK& top, const Sphere& sphere = Sphere()) {
    const VectorStore& s = h->store;
    if (words == nullptr) {
        for (size_t slot = 0; slot < s.size(); slot++) top.push(faiss::fvec_inner_product(q, s.at(slot), s.d), s.ids[slot]);
        return;
    }
    const std::vector<idx_t> admitted = admitted_ids(s, words, n_words_in, sphere);
    score_ids(s, q, admitted.data(), admitted.size(), top);
}

// The query as 16-bit integers for quantized_dot, with the scale that turns an integer dot product back into a
// score. Its largest |component| maps to the most that keeps d products of 127 x it inside an int32.
struct QuantizedQuery {
    std::vector<int16_t> q;
    float scale = 0;
    QuantizedQuery(const float* v, int d) : q(d) {
        float top = 0;
        for (int i = 0; i < d; i++) top = std::max(top, std::fabs(v[i]));
        const float most = (float)std::min<int64_t>(32767, (int64_t)INT32_MAX / (127 * (int64_t)d));
        scale = top > 0 ? top / most : 1.0f;
        for (int i = 0; i < d; i++) q[i] = (int16_t)std::lrint(v[i] / scale);
    }
};

// <query, stored vector> from the 8-bit row (encode_row): an exact integer dot product, scaled back.
inline float quantized_dot(const QuantizedQuery& qq, const int8_t* row, int d) {
    int32_t sum = 0;
    int i = 0;
#ifdef __AVX2__
    __m256i acc = _mm256_setzero_si256();
    for (; i + 16 <= d; i += 16) {
        __m256i c = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + i)));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(c, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qq.q.data() + i))));
    }
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    sum = _mm_cvtsi128_si32(s);
#endif
    for (; i < d; i++) sum += (int32_t)qq.q[i] * row[i];
    float scale;
    std::memcpy(&scale, row + d, sizeof(float));
    return (float)sum * scale * qq.scale;
}

// 8-bit scores (quantized_dot) of the stored vectors of ids[0, n): a quarter of the bytes of the float vectors, and
// random reads are what scoring them costs.
void quantized_score_ids(const VectorStore& store, const QuantizedQuery& qq, const idx_t* ids, size_t n, TopK& top) {
    score_rows<8>(store, ids, n, code_row_bytes(store.d), [&](int32_t slot) { return store.code_at(slot); },
                  [&](const int8_t* row) { return quantized_dot(qq, row, store.d); }, top);
}

// The planner's scan over the admitted ids (words must be set): every admitted id is scored from its 8-bit copy (a
// quarter of the bytes of its float vector), the best `shortlist` of them are re-scored exactly from the float
// vectors, and top gets the best of those. When the filter admits no more ids than the shortlist holds, they are
// scored exactly straight away: the answer is the exact one.
void quantized_scan(const Handle* h, const float* q, const jlong* words, size_t n_words_in, size_t shortlist, TopK& top,
                    const Sphere& sphere = Sphere()) {
    const VectorStore& s = h->store;
    const std::vector<idx_t> admitted = admitted_ids(s, words, n_words_in, sphere);
    const size_t keep = std::max(shortlist, top.ids.size());
    if (admitted.size() <= keep) {
        score_ids(s, q, admitted.data(), admitted.size(), top);
        return;
    }
    const QuantizedQuery qq(q, s.d);
    TopK candidates(keep);
    quantized_score_ids(s, qq, admitted.data(), admitted.size(), candidates);
    size_t found = candidates.finish();
    score_ids(s, q, candidates.ids.data(), found, top);
}

// An IVF-PQ code's score: the sum of its sub-quantizers' table entries (tab holds ksub floats per sub-quantizer), in
// eight partial sums. One running sum is a chain of M dependent float adds (32 x 3-4 cycles a code for PQ32, the
// largest cost of an unfiltered IVF pass); eight chains overlap, and the pass is bound by the table loads instead.
inline float pq_table_sum(const float* tab, const uint8_t* code, size_t m_count, size_t ksub) {
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t m = 0;
    for (; m + 8 <= m_count; m += 8, tab += 8 * ksub) {
        for (size_t j = 0; j < 8; j++) s[j] += tab[j * ksub + code[m + j]];
    }
    for (size_t j = 0; m < m_count; m++, j++, tab += ksub) s[j] += tab[code[m]];
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// The IVF pass of an IndexIVFPQ (8-bit codes, inner product, residuals: the default factory), done here instead of by
// IndexIVF::search, filtered or not (words == nullptr: every id admitted).
// - With a filter, IndexIVF::search calls the ID selector (a virtual call) for every entry of every probed list before
//   it looks at the code. A selective filter makes nprobe large (50-200 lists, 50k-200k entries at 1M profiles) and
//   that per-entry cost the largest part of a query; here the loop over a list's ids is a bit test, and only admitted
//   entries read their code.
// - Either way a code's score is summed in eight partial sums (pq_table_sum), where Faiss 1.7.3's scanner adds the
//   M table entries one after another.
// The scores are Faiss's own for this index type up to float rounding: the query's inner product with the list's
// centroid plus the code's sub-quantizer table entries (the table of the query, not of its residual:
// <q, c + r> = <q, c> + <q, r>). Fills dis/labels best first, -1 past the last found. Returns false, having done
// nothing, for any other index type (the caller then uses Faiss's search).
bool scan_ivfpq(const faiss::IndexIVF* ivf, const float* q, const jlong* words, size_t n_words, int nprobe,
                const Sphere& sphere, idx_t fetch, float* dis, idx_t* labels) {
    // Exactly IndexIVFPQ: a subclass (IndexIVFPQR's second-stage codes) searches differently.
    if (typeid(*ivf) != typeid(faiss::IndexIVFPQ)) return false;
    auto* pqi = static_cast<const faiss::IndexIVFPQ*>(ivf);
    if (pqi->pq.nbits != 8 || !pqi->by_residual || pqi->polysemous_ht != 0
        || pqi->metric_type != faiss::METRIC_INNER_PRODUCT || pqi->pq.code_size != pqi->pq.M) {
        return false;
    }
    // The selector Faiss's search would get, called here on its concrete type: no virtual call per entry.
    const AdmittedSelector admitted(words, n_words, sphere);
    const bool filtered = words != nullptr; // a radius condition comes with a bitmap
    const bool lazy_sphere = filtered && sphere.points != nullptr;
    size_t probes = std::min((size_t)std::max(1, nprobe), ivf->nlist);
    std::vector<float> coarse_dis(probes);
    std::vector<idx_t> coarse_ids(probes);
    ivf->quantizer->search(1, q, (idx_t)probes, coarse_dis.data(), coarse_ids.data());
    const size_t m_count = pqi->pq.M;
    const size_t ksub = pqi->pq.ksub;
    std::vector<float> table(m_count * ksub);
    pqi->pq.compute_inner_prod_table(q, table.data());
    faiss::minheap_heapify(fetch, dis, labels);
    const faiss::InvertedLists* lists = ivf->invlists;
    for (size_t p = 0; p < probes; p++) {
        idx_t list = coarse_ids[p];
        if (list < 0) continue;
        size_t n = lists->list_size(list);
        if (n == 0) continue;
        faiss::InvertedLists::ScopedIds ids(lists, list);
        faiss::InvertedLists::ScopedCodes codes(lists, list);
        const idx_t* id_at = ids.get();
        const uint8_t* code_at = codes.get();
        const float dis0 = coarse_dis[p];
        for (size_t j = 0; j < n; j++) {
            if (lazy_sphere && j + kPointsAhead < n) {
                // The point of an admitted id further down the list, read before its radius check needs it.
                idx_t ahead = id_at[j + kPointsAhead];
                if (admitted.in_bitmap(ahead)) sphere.prefetch(ahead);
            }
            idx_t id = id_at[j];
            if (filtered && !admitted.is_member(id)) continue;
            float score = dis0 + pq_table_sum(table.data(), code_at + j * m_count, m_count, ksub);
            if (score > dis[0]) faiss::minheap_replace_top(fetch, dis, labels, score, id);
        }
    }
    faiss::minheap_reorder(fetch, dis, labels);
    return true;
}

// IVF search restricted to the admitted ids (words == nullptr: all), over-fetching k * refine candidates
// and re-ranking them exactly from the stored vectors. Untrained: exact scan.
void search_index(const Handle* h, const float* q, const jlong* words, size_t n_words, int nprobe, int refine, TopK& top,
                  const Sphere& sphere = Sphere()) {
    if (!h->trained) {
        exact(h, q, words, n_words, top, sphere);
        return;
    }
    idx_t fetch = (idx_t)top.ids.size() * std::max(1, refine);
    std::vector<float> dis(fetch);
    std::vector<idx_t> labels(fetch);
    if (!scan_ivfpq(h->trained->ivf.get(), q, words, n_words, nprobe, sphere, fetch, dis.data(), labels.data())) {
        faiss::SearchParametersIVF params;
        params.nprobe = std::max(1, nprobe);
        std::unique_ptr<AdmittedSelector> sel;
        if (words != nullptr) {
            sel = std::make_unique<AdmittedSelector>(words, n_words, sphere);
            params.sel = sel.get();
        }
        h->trained->ivf->search(1, q, fetch, dis.data(), labels.data(), &params);
    }
    // The exact re-rank, from the float vectors. Picking the best of the candidates from their 8-bit copies first
    // (as the scan does) was tried: it reads fewer bytes but more rows (the picked ones twice), and random rows, not
    // bytes, are what this costs; it was slower (README, "Vector index (Faiss)").
    score_ids(h->store, q, labels.data(), (size_t)fetch, top);
}

// Reads what save wrote (also used by faiss_bench.cpp, the C++ baseline of the benchmark).
Handle* load_handle(const std::string& path) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    faiss::FileIOReader r(f.get());
    auto get = [&](void* p, size_t size, size_t n) { r(p, size, n); }; // FileIOReader throws on short reads
    int64_t header[4];
    get(header, sizeof(int64_t), 4);
    if ((uint64_t)header[0] != kMagic) throw std::runtime_error(path + " is not a matchstream Faiss index");
    if (header[1] <= 0 || header[2] < 0 || header[2] > 4096) throw std::runtime_error(path + ": corrupt header");
    auto h = std::make_unique<Handle>();
    h->d = (int)header[1];
    h->store.d = h->d;
    h->factory.resize(header[2]);
    get(h->factory.data(), 1, h->factory.size());
    h->window = header[3];
    h->flat = h->factory == "Flat";
    int64_t n;
    get(&n, sizeof(n), 1);
    std::vector<idx_t> ids(n);
    get(ids.data(), sizeof(idx_t), n);
    std::vector<float> v((size_t)h->d);
    h->store.data.reserve((size_t)n * h->d);
    h->store.codes.reserve((size_t)n * code_row_bytes(h->d));
    for (int64_t i = 0; i < n; i++) {
        get(v.data(), sizeof(float), h->d);
        h->store.put(ids[i], v.data());
    }
    int64_t tr[3];
    get(tr, sizeof(int64_t), 3);
    h->trained_size = tr[1];
    h->retrains = tr[2];
    if (tr[0] == 1) {
        auto t = std::make_unique<Trained>();
        get(&t->baseline_residual, sizeof(double), 1);
        std::unique_ptr<faiss::Index> index(faiss::read_index(&r));
        auto* ivf = dynamic_cast<faiss::IndexIVF*>(index.get());
        if (ivf == nullptr) throw std::runtime_error(path + ": stored index is not IVF");
        index.release();
        t->ivf.reset(ivf);
        t->prepare_norms();
        h->trained = std::move(t);
    }
    return h.release();
}

} // namespace

extern "C" {

JNIEXPORT jlong JNICALL Java_io_matchstream_index_vector_FaissIndex_create(JNIEnv* env, jclass, jint d, jstring jfactory, jint window) {
    return guarded(env, (jlong)0, [&]() -> jlong {
        if (d <= 0) throw std::invalid_argument("dimension must be positive, got " + std::to_string(d));
        const char* c = env->GetStringUTFChars(jfactory, nullptr);
        std::string factory(c);
        env->ReleaseStringUTFChars(jfactory, c);
        auto h = std::make_unique<Handle>();
        h->d = d;
        h->store.d = d;
        h->factory = factory;
        h->window = std::max(1, (int)window);
        h->flat = factory == "Flat";
        if (!h->flat) new_ivf(d, factory); // validates the factory string now rather than at first training
        return reinterpret_cast<jlong>(h.release());
    });
}

JNIEXPORT void JNICALL Java_io_matchstream_index_vector_FaissIndex_free(JNIEnv*, jclass, jlong h) {
    delete H(h);
}

JNIEXPORT void JNICALL Java_io_matchstream_index_vector_FaissIndex_freeJob(JNIEnv*, jclass, jlong job) {
    delete reinterpret_cast<Job*>(job);
}

// stats: size, trained (0/1), trained_size, retrains, baseline residual, last window's mean residual, adds since training
JNIEXPORT void JNICALL Java_io_matchstream_index_vector_FaissIndex_stats(JNIEnv* env, jclass, jlong jh, jdoubleArray out) {
    Handle* h = H(jh);
    double v[7] = {(double)h->store.size(), h->trained ? 1.0 : 0.0, (double)h->trained_size, (double)h->retrains,
                   h->trained ? h->trained->baseline_residual : NAN, h->last_window_mean, (double)h->adds_since_training};
    env->SetDoubleArrayRegion(out, 0, 7, v);
}

JNIEXPORT void JNICALL Java_io_matchstream_index_vector_FaissIndex_upsert(JNIEnv* env, jclass, jlong jh, jlongArray jids, jfloatArray jvectors) {
    guarded(env, 0, [&]() {
        Handle* h = H(jh);
        jsize n = env->GetArrayLength(jids);
        std::vector<idx_t> ids(n);
        env->GetLongArrayRegion(jids, 0, n, reinterpret_cast<jlong*>(ids.data()));
        FloatArray x(env, jvectors);
        if (x.v.size() != (size_t)n * h->d) {
            throw std::invalid_argument("vectors have " + std::to_string(x.v.size()) + " floats, expected " + std::to_string(n) + " x " + std::to_string(h->d));
        }
        for (idx_t id : ids) {
            if (id < 0 || id > kMaxId) throw std::invalid_argument("id " + std::to_string(id) + " outside 0.." + std::to_string(kMaxId));
        }
        for (jsize i = 0; i < n; i++) h->store.put(ids[i], x.v.data() + (size_t)i * h->d);
        if (h->tracking) {
            // Only a vector the retrain's chunks already passed must be replayed at install; a new id lands
            // at the end of the store, where the next chunk picks it up.
            for (idx_t id : ids) {
                int32_t slot = h->store.slot(id);
                if (slot >= 0 && (size_t)slot < h->frontier) h->dirty.insert(id);
            }
        }
        if (h->trained) {
            h->adds_since_training += n;
            h->trained->remove(ids);
            h->note_residuals(h->trained->add(n, x.v.data(), ids.data()), n);
        }
        return 0;
    });
}

JNIEXPORT jboolean JNICALL Java_io_matchstream_index_vector_FaissIndex_remove(JNIEnv* env, jclass, jlong jh, jlong id) {
    return guarded(env, (jboolean)JNI_FALSE, [&]() -> jboolean {
        Handle* h = H(jh);
        idx_t moved;
        if (!h->store.remove(id, &moved)) return JNI_FALSE;
        if (h->tracking) {
            h->dirty.insert(id);
            if (moved >= 0) h->dirty.insert(moved);
        }
        if (h->trained) h->trained->remove({id});
        return JNI_TRUE;
    });
}

// Exact inner-product scan over the stored vectors of the admitted ids (all when words is null); with a shortlist
// (> 0) and a filter, the 8-bit scan instead, its best `shortlist` re-scored exactly (quantized_scan).
JNIEXPORT jint JNICALL Java_io_matchstream_index_vector_FaissIndex_searchExact(
        JNIEnv* env, jclass, jlong jh, jfloatArray jq, jint k, jlongArray words, jobject points, jdouble x, jdouble y, jdouble z,
        jdouble min_dot, jint shortlist, jlongArray out_ids, jfloatArray out_scores) {
    return guarded(env, (jint)0, [&]() -> jint {
        Handle* h = H(jh);
        FloatArray q(env, jq);
        if ((int)q.v.size() != h->d) throw std::invalid_argument("query has " + std::to_string(q.v.size()) + " dimensions, index has " + std::to_string(h->d));
        Sphere sphere = sphere_of(env, points, x, y, z, min_dot);
        TopK top(k);
        {
            PinnedBitmap bm(env, words);
            if (shortlist > 0 && bm.words != nullptr) quantized_scan(h, q.v.data(), bm.words, bm.n_words, (size_t)shortlist, top, sphere);
            else exact(h, q.v.data(), bm.words, bm.n_words, top, sphere);
        }
        return emit(env, top, out_ids, out_scores);
    });
}

// The stored vectors of ids (d floats each, in order) into out; an id without one gets NaN in its first
// component. The query service's re-rank takes the candidates' embeddings from here: they are the vectors the
// search just scored, so most are still in cache, where a key-value read would decode a copy.
JNIEXPORT void JNICALL Java_io_matchstream_index_vector_FaissIndex_vectors(
        JNIEnv* env, jclass, jlong jh, jlongArray jids, jfloatArray jout) {
    guarded(env, 0, [&]() -> int {
        Handle* h = H(jh);
        const jsize n = env->GetArrayLength(jids);
        if ((size_t)env->GetArrayLength(jout) != (size_t)n * h->d) throw std::invalid_argument("output has the wrong length");
        std::vector<jlong> ids(n);
        env->GetLongArrayRegion(jids, 0, n, ids.data());
        const float missing = NAN;
        for (jsize i = 0; i < n; i++) {
            int32_t slot = h->store.slot((idx_t)ids[i]);
            if (slot < 0) {
                env->SetFloatArrayRegion(jout, i * h->d, 1, &missing);
            } else {
                env->SetFloatArrayRegion(jout, i * h->d, h->d, h->store.at(slot)); // straight from the store, no staging copy
            }
        }
        return 0;
    });
}

// IVF search restricted to the admitted ids, over-fetching k * refine candidates and re-ranking them
// exactly from the stored vectors (PQ codes alone cannot order near neighbours in 512-d).
JNIEXPORT jint JNICALL Java_io_matchstream_index_vector_FaissIndex_searchIndex(
        JNIEnv* env, jclass, jlong jh, jfloatArray jq, jint k, jlongArray words, jobject points, jdouble x, jdouble y, jdouble z,
        jdouble min_dot, jint nprobe, jint refine, jlongArray out_ids, jfloatArray out_scores) {
    return guarded(env, (jint)0, [&]() -> jint {
        Handle* h = H(jh);
        FloatArray q(env, jq);
        if ((int)q.v.size() != h->d) throw std::invalid_argument("query has " + std::to_string(q.v.size()) + " dimensions, index has " + std::to_string(h->d));
        Sphere sphere = sphere_of(env, points, x, y, z, min_dot);
        TopK top(k);
        {
            PinnedBitmap bm(env, words);
            search_index(h, q.v.data(), bm.words, bm.n_words, nprobe, refine, top, sphere);
        }
        return emit(env, top, out_ids, out_scores);
    });
}

// Retraining, step 1 (Java holds the write lock briefly): copy a random training sample and start
// recording which ids change while the new index is built.
JNIEXPORT jlong JNICALL Java_io_matchstream_index_vector_FaissIndex_beginTraining(JNIEnv* env, jclass, jlong jh, jint max_sample, jlong seed) {
    return guarded(env, (jlong)0, [&]() -> jlong {
        Handle* h = H(jh);
        auto job = std::make_unique<Job>();
        job->trained.ivf = new_ivf(h->d, h->factory);
        size_t n = h->store.size();
        size_t ns = std::min(n, (size_t)std::max(1, (int)max_sample));
        std::vector<size_t> slots(n);
        for (size_t i = 0; i < n; i++) slots[i] = i;
        std::mt19937_64 rng((uint64_t)seed);
        for (size_t i = 0; i < ns; i++) std::swap(slots[i], slots[i + rng() % (n - i)]); // partial Fisher-Yates
        job->sample.resize(ns * h->d);
        for (size_t i = 0; i < ns; i++) std::memcpy(job->sample.data() + i * h->d, h->store.at(slots[i]), sizeof(float) * h->d);
        h->tracking = true;
        h->dirty.clear();
        h->frontier = 0;
        return reinterpret_cast<jlong>(job.release());
    });
}

// Step 2 (no lock): k-means and PQ training on the sample, then its mean residual as the drift baseline.
JNIEXPORT void JNICALL Java_io_matchstream_index_vector_FaissIndex_trainJob(JNIEnv* env, jclass, jlong jjob) {
    guarded(env, 0, [&]() {
        Job* job = reinterpret_cast<Job*>(jjob);
        faiss::IndexIVF* ivf = job->trained.ivf.get();
        idx_t ns = job->sample.size() / ivf->d;
        // IndexIVF::train, with the second stage (codec on residuals) on a prefix of the sample: the codec's
        // own k-means caps its points anyway, and assigning all of them to compute residuals cost as much as
        // the coarse k-means itself.
        ivf->train_q1(ns, job->sample.data(), false, ivf->metric_type);
        ivf->train_residual(std::min<idx_t>(ns, kCodecTrainingPoints), job->sample.data());
        ivf->is_trained = true;
        job->trained.prepare_norms();
        std::vector<idx_t> assign(ns);
        std::vector<float> sim(ns);
        ivf->quantizer->search(ns, job->sample.data(), 1, sim.data(), assign.data());
        double sum = 0;
        for (idx_t i = 0; i < ns; i++) {
            float xn = faiss::fvec_norm_L2sqr(job->sample.data() + i * ivf->d, ivf->d);
            sum += std::max(0.0, (double)xn + job->trained.centroid_norms[assign[i]] - 2.0 * sim[i]);
        }
        job->trained.baseline_residual = ns > 0 ? sum / ns : 0;
        std::vector<float>().swap(job->sample);
        return 0;
    });
}

// Step 3 (Java's read lock, repeated): add the next chunk of stored vectors to the new index. Returns the
// next slot, or -1 once every slot has been visited.
JNIEXPORT jlong JNICALL Java_io_matchstream_index_vector_FaissIndex_addChunk(JNIEnv* env, jclass, jlong jh, jlong jjob, jint chunk) {
    return guarded(env, (jlong)-1, [&]() -> jlong {
        Handle* h = H(jh);
        Job* job = reinterpret_cast<Job*>(jjob);
        size_t n = h->store.size();
        size_t from = job->next_slot;
        size_t to = std::min(n, from + (size_t)std::max(1, (int)chunk));
        if (from < to) job->trained.add(to - from, h->store.at(from), h->store.ids.data() + from);
        job->next_slot = to;
        h->frontier = to;
        return to >= n ? -1 : (jlong)to;
    });
}

// Step 4 (Java's write lock): replay the ids that changed or moved since step 1, add any slots beyond the
// last chunk, and swap the new index in. Slots only move downwards (swap-remove), so every id is either
// added by a chunk exactly once or is in the dirty set.
JNIEXPORT void JNICALL Java_io_matchstream_index_vector_FaissIndex_install(JNIEnv* env, jclass, jlong jh, jlong jjob) {
    guarded(env, 0, [&]() {
        Handle* h = H(jh);
        Job* job = reinterpret_cast<Job*>(jjob);
        Trained& t = job->trained;
        std::vector<idx_t> dirty(h->dirty.begin(), h->dirty.end());
        t.remove(dirty);
        std::vector<idx_t> replay;
        std::vector<float> vectors;
        for (idx_t id : dirty) {
            int32_t slot = h->store.slot(id);
            if (slot >= 0 && (size_t)slot < job->next_slot) {
                replay.push_back(id);
                vectors.insert(vectors.end(), h->store.at(slot), h->store.at(slot) + h->d);
            }
        }
        if (!replay.empty()) t.add(replay.size(), vectors.data(), replay.data()); // one batch: single adds cost a parallel region each
        size_t n = h->store.size();
        if (job->next_slot < n) t.add(n - job->next_slot, h->store.at(job->next_slot), h->store.ids.data() + job->next_slot);
        h->trained = std::make_unique<Trained>(std::move(t));
        h->trained_size = (int64_t)n;
        h->retrains++;
        h->window_sum = 0;
        h->window_n = 0;
        h->last_window_mean = NAN;
        h->adds_since_training = 0;
        h->tracking = false;
        h->dirty.clear();
        h->frontier = 0;
        return 0;
    });
}

JNIEXPORT void JNICALL Java_io_matchstream_index_vector_FaissIndex_abortTraining(JNIEnv*, jclass, jlong jh) {
    Handle* h = H(jh);
    h->tracking = false;
    h->dirty.clear();
    h->frontier = 0;
}

JNIEXPORT jlong JNICALL Java_io_matchstream_index_vector_FaissIndex_nativeBytes(JNIEnv*, jclass, jlong jh) {
    Handle* h = H(jh);
    // sizes, not capacities: growth slack is never touched, so it is not resident
    size_t bytes = h->store.data.size() * sizeof(float) + h->store.codes.size() + h->store.ids.size() * sizeof(idx_t)
            + h->store.slot_of.size() * sizeof(int32_t);
    if (h->trained) {
        faiss::IndexIVF* ivf = h->trained->ivf.get();
        for (size_t l = 0; l < ivf->nlist; l++) bytes += ivf->invlists->list_size(l) * (ivf->code_size + sizeof(idx_t));
        bytes += ivf->nlist * ivf->d * sizeof(float);
        bytes += ivf->direct_map.hashtable.size() * (sizeof(idx_t) * 2 + 16); // node payload + pointer/hash, roughly
        // product-quantizer tables (IVFPQ precomputed tables when present)
        if (auto* pq = dynamic_cast<faiss::IndexIVFPQ*>(ivf)) bytes += pq->pq.centroids.size() * sizeof(float) + pq->precomputed_table.size() * sizeof(float);
    }
    return (jlong)bytes;
}

// File layout: magic, d, factory, window, store (n, ids, vectors), trained flag, then Faiss's own
// write_index of the IVF index (its direct map included) and the drift baseline.
JNIEXPORT void JNICALL Java_io_matchstream_index_vector_FaissIndex_save(JNIEnv* env, jclass, jlong jh, jstring jpath) {
    guarded(env, 0, [&]() {
        Handle* h = H(jh);
        const char* c = env->GetStringUTFChars(jpath, nullptr);
        std::string path(c);
        env->ReleaseStringUTFChars(jpath, c);
        std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
        if (!f) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
        faiss::FileIOWriter w(f.get());
        auto put = [&](const void* p, size_t size, size_t n) { w(p, size, n); };
        int64_t header[4] = {(int64_t)kMagic, h->d, (int64_t)h->factory.size(), h->window};
        put(header, sizeof(int64_t), 4);
        put(h->factory.data(), 1, h->factory.size());
        int64_t n = h->store.size();
        put(&n, sizeof(n), 1);
        put(h->store.ids.data(), sizeof(idx_t), n);
        put(h->store.data.data(), sizeof(float), (size_t)n * h->d);
        int64_t tr[3] = {h->trained ? 1 : 0, h->trained_size, h->retrains};
        put(tr, sizeof(int64_t), 3);
        if (h->trained) {
            put(&h->trained->baseline_residual, sizeof(double), 1);
            faiss::write_index(h->trained->ivf.get(), &w);
        }
        if (std::fflush(f.get()) != 0 || std::ferror(f.get())) throw std::runtime_error("write failed: " + path);
        return 0;
    });
}

JNIEXPORT jlong JNICALL Java_io_matchstream_index_vector_FaissIndex_load(JNIEnv* env, jclass, jstring jpath) {
    return guarded(env, (jlong)0, [&]() -> jlong {
        const char* c = env->GetStringUTFChars(jpath, nullptr);
        std::string path(c);
        env->ReleaseStringUTFChars(jpath, c);
        return reinterpret_cast<jlong>(load_handle(path));
    });
}

} // extern "C"

extern "C" JNIEXPORT jstring JNICALL Java_io_matchstream_index_vector_FaissIndex_describeNative(JNIEnv* env, jclass, jlong jh) {
    Handle* h = H(jh);
    return env->NewStringUTF((h->factory + "/" + std::to_string(h->d)).c_str());
}

// Faiss parallelises inside one call with OpenMP. The service searches one query per request thread, and on
// a busy 2-core machine idle OpenMP workers spinning for work cost more than they gave (training 50k
// vectors: 46 s with the default pool, 25 s with one thread). MATCHSTREAM_FAISS_THREADS sets the pool
// size (default 1) of every thread that calls Faiss (own_pool_size).
JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM*, void*) {
    const char* threads = std::getenv("MATCHSTREAM_FAISS_THREADS");
    g_faiss_threads = threads == nullptr ? 1 : std::atoi(threads);
    return JNI_VERSION_1_8;
}
